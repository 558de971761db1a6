package store

// Hooks for the raw-insert baseline of BenchmarkBulkLoad1M: prepare a batch
// (validation, sealing, blind indexes, masks, terms, history values) apart
// from writing it.

// PreparedBatch is a batch with every row value computed.
type PreparedBatch = bulkBatch

// PrepareBatch computes the rows of hh without writing them.
func (l *BulkLoader) PrepareBatch(hh []BulkHousehold) (*PreparedBatch, error) {
	b := &bulkBatch{in: hh}
	return b, l.prepare(b)
}

// WriteBatch inserts a prepared batch with the loader's statements and
// batching, without the audit record.
func (l *BulkLoader) WriteBatch(b *PreparedBatch) error { return l.write(b, false) }
