package dtls09

// replayWindow remembers the last 64 record sequence numbers seen in one
// epoch (RFC 4347 §4.1.2.5).
type replayWindow struct {
	top  uint64 // highest sequence number accepted
	mask uint64 // bit i set: top-i was accepted
	any  bool
}

// fresh reports whether seq is neither a duplicate nor too old. It does not
// record seq; call accept once the record proved authentic.
func (w *replayWindow) fresh(seq uint64) bool {
	if !w.any || seq > w.top {
		return true
	}
	d := w.top - seq
	return d < 64 && w.mask&(1<<d) == 0
}

// accept records seq as seen.
func (w *replayWindow) accept(seq uint64) {
	switch {
	case !w.any:
		w.any, w.top, w.mask = true, seq, 1
	case seq > w.top:
		d := seq - w.top
		if d >= 64 {
			w.mask = 1
		} else {
			w.mask = w.mask<<d | 1
		}
		w.top = seq
	default:
		w.mask |= 1 << (w.top - seq)
	}
}
