package analysis

// Severity rules, strongest first; the first rule an item meets sets its
// severity, and a summary takes the highest of its items. The same table is
// written out for people in data/severity.md.
//
//   - critical: a practice that is hard to undo once your data has gone is
//     introduced or expanded: selling or "sharing" data (sale_of_data),
//     training AI on it (ai_training), voice or biometric data
//     (voice_biometric), mandatory arbitration or class-action waivers
//     (arbitration_class_waiver); or your rights are narrowed or removed
//     (user_rights).
//   - important: new or wider sharing, tracking, sensitive data, AI features,
//     identity verification, actions on your behalf, government access,
//     transfers abroad, longer retention, broader content licences, liability
//     limits, termination powers, changes-without-notice, children's data;
//     or a protection weakened: choices and opt-outs, security, Do Not Track
//     narrowed or removed.
//   - notice: any other provision introduced, expanded, narrowed or removed
//     (including a sharing or tracking practice narrowed: good news is still
//     news).
//   - info: wording changed with no new practice (reworded), or no
//     substantive edit at all.
var (
	criticalOnGrowth  = set("sale_of_data", "ai_training", "voice_biometric", "arbitration_class_waiver")
	criticalOnShrink  = set("user_rights")
	importantOnGrowth = set("third_party_sharing", "affiliates_scope", "tracking_ads", "sensitive_data", "ai_features",
		"verification_identity", "actions_on_your_behalf", "government_access", "international_transfer",
		"data_retention", "content_license", "liability_limitation", "termination_content_removal",
		"policy_change", "children", "contract_by_use", "governing_law_jurisdiction", "business_transfer")
	importantOnShrink = set("user_choice_consent", "data_security", "do_not_track_gpc", "children")
)

func set(ids ...string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// itemSeverity applies the rules to one provision movement and names the rule.
func itemSeverity(category string, d Direction) (Severity, string) {
	growth := d == DirectionIntroduced || d == DirectionExpanded
	shrink := d == DirectionNarrowed || d == DirectionRemoved
	name := category
	if c, ok := CategoryByID(category); ok {
		name = c.Phrase
	}
	switch {
	case growth && criticalOnGrowth[category]:
		return SeverityCritical, "critical: " + string(d) + " " + name
	case shrink && criticalOnShrink[category]:
		return SeverityCritical, "critical: " + string(d) + " " + name
	case growth && importantOnGrowth[category]:
		return SeverityImportant, "important: " + string(d) + " " + name
	case shrink && importantOnShrink[category]:
		return SeverityImportant, "important: " + string(d) + " protection: " + name
	case growth || shrink:
		return SeverityNotice, "notice: " + string(d) + " " + name
	}
	return SeverityInfo, "info: reworded, no new practice"
}
