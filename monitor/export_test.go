package monitor

// LockedDocumentsForTest counts the per-document locks still held or awaited.
func (m *Monitor) LockedDocumentsForTest() int { return m.locks.size() }
