package diff

import "testing"

func TestClassifyModified(t *testing.T) {
	tests := []struct {
		name, before, after string
		substantive         bool
		reason              string
	}{
		{"spaces", "We collect  your data.", "We collect your\u00a0data.", false, ReasonWhitespace},
		{"emphasis", "We **never** sell data.", "We _never_ sell data.", false, ReasonFormatting},
		{"heading level", "## Your rights", "### Your rights", false, ReasonFormatting},
		{"list marker", "* Access to your data", "-   Access to your data", false, ReasonFormatting},
		{"numbered marker", "3. Access", "4. Access", false, ReasonFormatting},
		{"escape", "1\\. About this Policy", "1. About this Policy", false, ReasonFormatting},
		{"link url token", "[Download PDF](https://x.example/pdf/20250630/a.pdf)", "[Download PDF](https://x.example/pdf/20250701/a.pdf)", false, ReasonLink},
		{"query params", "See [settings](https://x.example/s?utm_source=a&sid=1).", "See [settings](https://x.example/s?sid=2).", false, ReasonLink},
		{"bare url", "Visit https://x.example/a?b=1 for more.", "Visit https://x.example/a?b=2 for more.", false, ReasonLink},
		{"case", "Personal Data we collect", "personal data we collect", false, ReasonCase},
		{"curly quotes", "the “Services” you use", "the \"Services\" you use", false, ReasonPunctuation},
		{"dash and ellipsis", "data – such as… logs", "data - such as... logs", false, ReasonPunctuation},
		{"last updated", "_Last updated: January 21, 2026._", "_Last updated: March 26, 2026._", false, ReasonDate},
		{"effective", "Effective as of 22 February 2023", "Effective as of 1st March 2024", false, ReasonDate},
		{"version", "Version 3.2, updated 2024-01-05", "Version 3.3, updated 2024-02-05", false, ReasonDate},
		{"french stamp", "Dernière mise à jour : 12 janvier 2025", "Dernière mise à jour : 3 mars 2025", false, ReasonDate},
		{"archive list", "Versions: 04 Aug 2025 , 01 Aug 2025 , 26 Jun 2025", "Versions: 04 Aug 2025 , 26 Jun 2025", false, ReasonDate},
		{"date and link", "Effective 1 July 2025 | [PDF](https://x.example/20250630.pdf)", "Effective 8 July 2025 | [PDF](https://x.example/20250708.pdf)", false, ReasonDate},

		{"retention period", "We keep logs for 30 days.", "We keep logs for 90 days.", true, ""},
		{"age", "Users must be at least 13 years old.", "Users must be at least 16 years old.", true, ""},
		{"date in a duty", "Updated: we now delete data after 30 days.", "Updated: we now delete data after 60 days.", true, ""},
		{"currency", "a fee of $10", "a fee of €10", true, ""},
		{"word added", "We share data with partners.", "We share data with partners and affiliates.", true, ""},
		{"negation", "We sell your data.", "We do not sell your data.", true, ""},
		{"stamp plus text", "Last updated: May 4, 2026. We sell data.", "Last updated: May 11, 2026. We share data.", true, ""},

		// A number after a stamp keyword is a date only when it reads as one.
		{"notice period", "Changes become effective 30 days after we post them.", "Changes become effective 3 days after we post them.", true, ""},
		{"take effect in", "The new terms take effect in 30 days.", "The new terms take effect in 7 days.", true, ""},
		{"age after applies", "This section applies from 16 years of age.", "This section applies from 13 years of age.", true, ""},
		{"period after date", "We keep it until the date of 30 days after you leave.", "We keep it until the date of 90 days after you leave.", true, ""},
		{"count after a whole stamp", "Last updated on 1 May 2025 at 13 locations.", "Last updated on 1 May 2025 at 16 locations.", true, ""},
		{"spanish stamp", "Última actualización: 1 de enero de 2025", "Última actualización: 15 de enero de 2025", false, ReasonDate},
		{"ordinal of month", "Effective on the 1st of March 2025", "Effective on the 5th of March 2025", false, ReasonDate},
		{"numeric date", "Last updated: 3/26/26", "Last updated: 4/2/26", false, ReasonDate},
		{"german stamp", "Stand: 01.07.2025", "Stand: 15.08.2025", false, ReasonDate},
		{"version number", "Version 4", "Version 5", false, ReasonDate},

		// A decimal mark is part of the number; a thousands separator is not.
		{"decimal point", "We charge a fee of 2.5% on each payout.", "We charge a fee of 25% on each payout.", true, ""},
		{"decimal comma", "Jedes Konto hat 1,5 GB Speicher.", "Jedes Konto hat 15 GB Speicher.", true, ""},
		{"thousands separator", "We keep up to 1,000 records.", "We keep up to 1 000 records.", false, ReasonPunctuation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, reason := classifyModified(tt.before, tt.after)
			if sub != tt.substantive || reason != tt.reason {
				t.Errorf("classifyModified(%q, %q) = %v, %q; want %v, %q", tt.before, tt.after, sub, reason, tt.substantive, tt.reason)
			}
		})
	}
}

func TestClassifyLone(t *testing.T) {
	headings := map[string]bool{"your rights": true, "who we are": true}
	tests := []struct {
		name, text  string
		kind        BlockKind
		substantive bool
		reason      string
	}{
		{"ellipsis", "…", BlockParagraph, false, ReasonNoise},
		{"bullet", "*", BlockItem, false, ReasonNoise},
		{"empty table row", "|     |     |", BlockRow, false, ReasonNoise},
		{"contents entry", "*   Your Rights", BlockItem, false, ReasonNavigation},
		{"contents link", "[1\\. Who We Are](#1-who-we-are)", BlockParagraph, false, ReasonNavigation},
		{"stamp line", "_Last updated: July 15, 2026_", BlockParagraph, false, ReasonDate},
		{"heading itself", "## Your rights", BlockHeading, true, ""},
		{"sentence", "We sell your data to brokers.", BlockParagraph, true, ""},
		{"keyword only", "Updated", BlockParagraph, true, ""},
		{"close button", "close", BlockParagraph, false, ReasonNoise},
		{"back to top", "[Back to top](#top)", BlockParagraph, false, ReasonNoise},
		{"short sentence", "Read our cookie policy.", BlockParagraph, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newComparison([]Block{{Kind: tt.kind, Text: tt.text}}, nil)
			sub, reason := classifyLone(c.prep(0), headings)
			if sub != tt.substantive || reason != tt.reason {
				t.Errorf("classifyLone(%q) = %v, %q; want %v, %q", tt.text, sub, reason, tt.substantive, tt.reason)
			}
		})
	}
}
