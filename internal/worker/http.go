package worker

import (
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ocserv-go/ocserv/internal/authxml"
	"github.com/ocserv-go/ocserv/internal/httpwire"
	"github.com/ocserv-go/ocserv/internal/scriptenv"
)

// errClose ends the request loop after a response that closes the
// connection (404, 401, 503); it is not an error of the worker.
var errClose = errors.New("worker: connection closed after response")

// serveHTTP runs the request loop (worker.c: at most 16 requests,
// keep-alive for HTTP/1.1) until CONNECT succeeds (a tunnel session is
// returned), the client goes away, or a response closes the connection.
func (w *worker) serveHTTP() (*session, error) {
	for {
		req, err := w.http.ReadRequest()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, httpwire.ErrTooManyRequests) {
				return nil, nil
			}
			return nil, fmt.Errorf("worker: HTTP request: %w", err)
		}
		w.log.HTTPf("HTTP processing: %s %s", req.Method, req.Target)
		w.noteHeaders(req)
		sess, err := w.dispatch(req)
		if errors.Is(err, errClose) {
			return nil, nil
		}
		if err != nil || sess != nil {
			return sess, err
		}
		if !req.KeepAlive() {
			return nil, nil
		}
	}
}

// noteHeaders remembers the client information headers (protocol.md §2.1);
// ocserv's parser does this for every request.
func (w *worker) noteHeaders(r *httpwire.Request) {
	if v, ok := r.Exact("User-Agent"); ok {
		v = authxml.TruncName(v)
		w.userAgent = v
		w.client, w.ios = authxml.ClassifyUserAgent(v)
	}
	if v, ok := r.Exact("X-AnyConnect-Identifier-DeviceType"); ok {
		w.deviceType = authxml.TruncName(v)
	}
	if v, ok := r.Exact("X-AnyConnect-Identifier-Platform"); ok {
		w.devicePlatform = authxml.TruncName(v)
		lv := strings.ToLower(v)
		if strings.HasPrefix(lv, "apple-ios") {
			w.mobile, w.ios = true, true
		} else if strings.HasPrefix(lv, "android") {
			w.mobile = true
		}
	}
	if v, ok := r.Exact("X-CSTP-Hostname"); ok && scriptenv.ValidHostname(v) {
		w.hostname = v
	}
}

// getMatch is ocserv's GET URL matching: the exact path, or the path
// followed by '/' or '?'.
func getMatch(target, path string) bool {
	if target == path {
		return true
	}
	if !strings.HasPrefix(target, path) {
		return false
	}
	c := target[len(path)]
	return c == '/' || c == '?'
}

const (
	htmlEmpty   = "<html></html>\n"
	manifestXML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vpn rev=\"1.0\">\n</vpn>\n"
	updateTxt   = "0,0,0000\n"
	// vpndownloader.sh: a two-line script that exits 0 (exact bytes
	// unverified against ocserv).
	downloaderSh = "#!/bin/sh\nexit 0\n"
	notFoundBody = "<html><body><h1>404 Not Found</h1></body></html>\r\n"
)

var staticPages = []struct {
	path, ctype, body string
}{
	{"/1/index.html", "text/html", htmlEmpty},
	{"/1/Linux", "text/html", htmlEmpty},
	{"/1/Linux_64", "text/html", htmlEmpty},
	{"/1/Windows", "text/html", htmlEmpty},
	{"/1/Windows_ARM64", "text/html", htmlEmpty},
	{"/1/Darwin_i386", "text/html", htmlEmpty},
	{"/logout", "text/html", htmlEmpty},
	{"/1/binaries/vpndownloader.sh", "application/x-shellscript", downloaderSh},
	{"/1/VPNManifest.xml", "text/xml", manifestXML},
	{"/+CSCOT+/", "text/xml", manifestXML},
	{"/1/binaries/update.txt", "text/xml", updateTxt},
}

// dispatch is the URL table of protocol.md §2.2.
func (w *worker) dispatch(r *httpwire.Request) (*session, error) {
	switch r.Method {
	case "GET":
		t := r.Target
		switch {
		case getMatch(t, "/") && (t == "/" || t[1] == '?'), getMatch(t, "/auth"), getMatch(t, "/VPN"):
			return nil, w.getAuth(r)
		case getMatch(t, "/cert.pem"), getMatch(t, "/cert.cer"), getMatch(t, "/ca.pem"), getMatch(t, "/ca.cer"):
			return nil, w.getCert(r)
		case strings.HasPrefix(t, "/profiles"):
			return nil, w.getProfile(r)
		}
		for _, p := range staticPages {
			if getMatch(t, p.path) {
				return nil, w.send(ok200(r.Minor, p.ctype, []byte(p.body)))
			}
		}
	case "POST":
		switch r.Target {
		case "/", "/auth", "/VPN":
			return nil, w.postAuth(r)
		}
	case "CONNECT":
		return w.connect(r)
	}
	return nil, w.notFound(r)
}

func (w *worker) send(resp *httpwire.Response) error {
	if err := w.http.WriteResponse(resp); err != nil {
		return fmt.Errorf("worker: sending response: %w", err)
	}
	return nil
}

// ok200 is the generic 200 head of the static handlers.
func ok200(minor int, ctype string, body []byte) *httpwire.Response {
	resp := &httpwire.Response{Status: httpwire.StatusLine(minor, 200, "OK"), Body: body}
	resp.Add("Connection", "Keep-Alive").Add("Content-Type", ctype).Add("X-Transcend-Version", "1")
	return resp.ContentLength()
}

func (w *worker) notFound(r *httpwire.Request) error {
	resp := &httpwire.Response{Status: httpwire.StatusLine(r.Minor, 404, "Not found"), Body: []byte(notFoundBody)}
	resp.Add("Content-length", strconv.Itoa(len(notFoundBody))).Add("Connection", "close")
	if err := w.send(resp); err != nil {
		return err
	}
	return errClose
}

// getCert serves the server certificate and its issuer (pitfalls 40).
func (w *worker) getCert(r *httpwire.Request) error {
	vt := w.keys.current(w.vhost)
	der := vt.leafDER
	if strings.HasPrefix(r.Target, "/ca.") {
		der = vt.issuer
		if der == nil {
			// ocserv closes without a response.
			return errClose
		}
	}
	ctype := "application/pkix-cert"
	body := der
	if strings.HasPrefix(r.Target, "/cert.pem") || strings.HasPrefix(r.Target, "/ca.pem") {
		body = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if strings.HasPrefix(r.Target, "/cert.") {
			ctype = "application/x-pem-file"
		}
	}
	return w.send(ok200(r.Minor, ctype, body))
}

// serviceUnavailable is ocserv's bare 503, followed by closing.
func (w *worker) serviceUnavailable(reason string) error {
	raw := "HTTP/1.1 503 Service Unavailable\r\n"
	if reason != "" {
		raw += "X-Reason: " + reason + "\r\n"
	}
	if _, err := io.WriteString(w.tlsConn, raw+"\r\n"); err != nil {
		return fmt.Errorf("worker: sending 503: %w", err)
	}
	return errClose
}
