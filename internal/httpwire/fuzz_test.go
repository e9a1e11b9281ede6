package httpwire

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadRequest: no panic, limits respected, headers re-serialisable.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(ocInit))
	f.Add([]byte("CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=" + sidB64 + "; webvpncontext=x\r\n\r\n"))
	f.Add([]byte("POST /auth HTTP/1.0\nContent-Length: 3\n\nabcGET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxLineLen: 512, MaxHeaders: 16, MaxHeaderBytes: 1024, MaxBody: 1024}
		br := bufio.NewReader(bytes.NewReader(data))
		for i := 0; i < 4; i++ {
			req, err := ReadRequest(br, lim)
			if err != nil {
				return
			}
			if len(req.Headers) > lim.MaxHeaders || len(req.Body) > lim.MaxBody || len(req.Target) > DefaultMaxURL {
				t.Fatalf("limits exceeded: %d headers, %d body, %d url", len(req.Headers), len(req.Body), len(req.Target))
			}
			size := 0
			for _, h := range req.Headers {
				size += len(h.Name) + len(h.Value)
			}
			if size > lim.MaxHeaderBytes {
				t.Fatalf("%d header bytes accepted", size)
			}
			_ = req.SessionCookies()
			resp := &Response{Status: "HTTP/1.1 200 OK", Headers: req.Headers}
			if _, err := resp.Bytes(); err != nil {
				t.Fatalf("parsed header cannot be re-sent: %v", err)
			}
		}
	})
}
