package worker

import (
	"github.com/ocserv-go/ocserv/internal/compress"
	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/httpwire"
)

// maxDecompressed bounds a decompressed packet (protocol.md §9: 16 KiB).
const maxDecompressed = 16384

// compState is the session's negotiated compression (compression = true
// only): one method per channel, chosen from the client's
// X-CSTP-Accept-Encoding / X-DTLS-Accept-Encoding by server priority.
type compState struct {
	cstp, dtls *compress.Codec // nil: channel not compressed
	limit      int             // no-compress-limit: only longer packets are compressed
	out        []byte          // tx buffer: CSTP header room + compressed packet
}

// compNegotiate selects the methods (worker-http.c header handling).
func (s *session) compNegotiate(r *httpwire.Request) {
	v := s.w.vhost
	if !v.Compression {
		return
	}
	var prio []string
	if s.w.cfg != nil {
		prio = s.w.cfg.CompressionAlgoPrio
	}
	ms, _ := compress.Methods(prio) // invalid values are reported by main at load time
	c := &compState{limit: v.NoCompressLimit}
	if a, ok := r.Exact("X-CSTP-Accept-Encoding"); ok {
		if m, ok := compress.Select(ms, a); ok {
			c.cstp = compress.NewCodec(m)
		}
	}
	if a, ok := r.Exact("X-DTLS-Accept-Encoding"); ok {
		if m, ok := compress.Select(ms, a); ok {
			c.dtls = compress.NewCodec(m)
		}
	}
	if c.cstp == nil && c.dtls == nil {
		return
	}
	c.out = make([]byte, tunBuf)
	s.comp = c
}

// compHeaders adds the Content-Encoding headers after the banner, DTLS
// first, as ocserv does.
func (s *session) compHeaders(add func(string, string)) {
	if c := s.comp; c != nil {
		if c.dtls != nil {
			s.w.log.Infof("selected DTLS compression method %s", c.dtls.Name)
			add("X-DTLS-Content-Encoding", c.dtls.Name)
		}
		if c.cstp != nil {
			s.w.log.Infof("selected CSTP compression method %s", c.cstp.Name)
			add("X-CSTP-Content-Encoding", c.cstp.Name)
		}
	}
}

func (s *session) cstpComprName() *string {
	if s.comp != nil && s.comp.cstp != nil {
		return ptr(s.comp.cstp.Name)
	}
	return nil
}

func (s *session) dtlsComprName() *string {
	if s.comp != nil && s.comp.dtls != nil {
		return ptr(s.comp.dtls.Name)
	}
	return nil
}

// compOut prepares the tun packet at buf[cstp.HeaderLen:cstp.HeaderLen+n]
// for sending (worker-vpn.c tun_mainloop): when UDP is up and DTLS has a
// method, the packet is compressed with it, and the CSTP fallback reuses
// the result only if CSTP has the same method; otherwise CSTP's own method
// is used. Packets not longer than no-compress-limit, and packets that do
// not shrink, go uncompressed. Each result is a buffer laid out like buf
// (payload at cstp.HeaderLen) with its payload length and packet type.
// Called from the tun reader goroutine only.
func (s *session) compOut(buf []byte, n int) (dbuf []byte, dn int, dtyp byte, cbuf []byte, cn int, ctyp cstp.Type) {
	dbuf, dn, dtyp, cbuf, cn, ctyp = buf, n, dtlsData, buf, n, cstp.TypeData
	c := s.comp
	if c == nil || n <= c.limit {
		return
	}
	src := buf[cstp.HeaderLen : cstp.HeaderLen+n]
	dst := c.out[cstp.HeaderLen : cstp.HeaderLen+n-1] // must end up strictly shorter
	if c.dtls != nil && s.dtls != nil && s.dtls.up.Load() {
		if k, err := c.dtls.Compress(dst, src); err == nil && k > 0 && k < n {
			dbuf, dn, dtyp = c.out, k, dtlsCompressed
			if c.cstp != nil && c.cstp.ID == c.dtls.ID {
				cbuf, cn, ctyp = c.out, k, cstp.TypeCompressed
			}
		}
		return
	}
	if c.cstp != nil {
		if k, err := c.cstp.Compress(dst, src); err == nil && k > 0 && k < n {
			cbuf, cn, ctyp = c.out, k, cstp.TypeCompressed
		}
	}
	return
}

// compIn decompresses a COMPRESSED payload received on a channel whose
// codec is cd into *scratch (allocated on first use, bounded to 16 KiB).
// ok is false when the packet must be dropped.
func (s *session) compIn(cd *compress.Codec, payload []byte, scratch *[]byte) ([]byte, bool) {
	if *scratch == nil {
		*scratch = make([]byte, maxDecompressed)
	}
	k, err := cd.Decompress(*scratch, payload)
	if err != nil {
		s.w.log.Debugf("could not decompress %s packet of %d bytes: %v", cd.Name, len(payload), err)
		return nil, false
	}
	return (*scratch)[:k], true
}

// cstpCodec and dtlsCodec return the receive codecs (nil: none).
func (s *session) cstpCodec() *compress.Codec {
	if s.comp == nil {
		return nil
	}
	return s.comp.cstp
}

func (s *session) dtlsCodec() *compress.Codec {
	if s.comp == nil {
		return nil
	}
	return s.comp.dtls
}
