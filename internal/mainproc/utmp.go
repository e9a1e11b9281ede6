package mainproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// utmp/wtmp records (main process; ocserv's add_utmp_entry /
// remove_utmp_entry, use-utmp). At connect main writes a USER_PROCESS
// record (line = tun device, user, pid = worker PID, host and address =
// client IP) to utmp and appends it to wtmp; at disconnect a DEAD_PROCESS
// record with only the line and pid (and, in wtmp, the time). Like glibc's
// pututxline / updwtmpx the files are never created: a missing file means
// no record. Only these two files are touched.

const (
	utmpUserProcess = 7
	utmpDeadProcess = 8
	utmpRecordSize  = 384 // struct utmpx on Linux (x86-64, arm64)
)

// utmpFiles are the files written; tests may point them elsewhere.
var utmpFiles = struct{ utmp, wtmp string }{"/var/run/utmp", "/var/log/wtmp"}

// utmpRecord is the part of struct utmpx ocserv fills.
type utmpRecord struct {
	Type int16
	PID  int32
	Line string
	User string
	Host string
	Addr netip.Addr
	Time time.Time // zero: left 0
}

// marshal encodes r in glibc's struct utmpx layout.
func (r utmpRecord) marshal() []byte {
	b := make([]byte, utmpRecordSize)
	le := binary.LittleEndian
	le.PutUint16(b[0:], uint16(r.Type))
	le.PutUint32(b[4:], uint32(r.PID))
	copy(b[8:40], r.Line)   // ut_line[32]
	copy(b[44:76], r.User)  // ut_user[32] (ut_id[4] at 40 stays empty)
	copy(b[76:332], r.Host) // ut_host[256]
	if !r.Time.IsZero() {
		le.PutUint32(b[340:], uint32(r.Time.Unix()))
		le.PutUint32(b[344:], uint32(r.Time.Nanosecond()/1000))
	}
	if r.Addr.IsValid() {
		a := r.Addr.Unmap()
		if a.Is4() {
			v := a.As4()
			copy(b[348:352], v[:])
		} else {
			v := a.As16()
			copy(b[348:364], v[:])
		}
	}
	return b
}

func lockFile(f *os.File) error {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	return syscall.FcntlFlock(f.Fd(), syscall.F_SETLKW, &lk)
}

// putUtmp writes r over the utmp slot of the same line (a login or dead
// process entry), or appends it, as pututxline does for entries without
// ut_id.
func putUtmp(path string, r utmpRecord) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("locking %s: %w", path, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	rec := r.marshal()
	off := int64(len(data) - len(data)%utmpRecordSize)
	for i := 0; i+utmpRecordSize <= len(data); i += utmpRecordSize {
		e := data[i : i+utmpRecordSize]
		t := int16(binary.LittleEndian.Uint16(e))
		if t < 5 || t > 8 { // INIT, LOGIN, USER, DEAD process entries only
			continue
		}
		if bytes.Equal(e[40:44], rec[40:44]) && bytes.Equal(e[8:40], rec[8:40]) {
			off = int64(i)
			break
		}
	}
	if _, err := f.WriteAt(rec, off); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// appendWtmp appends r to wtmp (updwtmpx).
func appendWtmp(path string, r utmpRecord) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("locking %s: %w", path, err)
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	end -= end % utmpRecordSize
	if _, err := f.WriteAt(r.marshal(), end); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeUtmp records r in utmp (when withUtmp) and wtmp.
func (s *server) writeUtmp(p *proc, utmp, wtmp utmpRecord) {
	log := p.logger(s.log)
	if err := putUtmp(utmpFiles.utmp, utmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Debugf("utmp: %v", err)
	}
	if err := appendWtmp(utmpFiles.wtmp, wtmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Debugf("wtmp: %v", err)
	}
}

// utmpLogin writes the login record of p (connect, before the script).
func (s *server) utmpLogin(p *proc) {
	s.mu.Lock()
	use := p.cfg != nil && p.cfg.UseUtmp
	r := utmpRecord{Type: utmpUserProcess, PID: int32(p.pid), Line: p.tunName, User: p.username,
		Host: p.remote.Addr().Unmap().String(), Addr: p.remote.Addr(), Time: s.now()}
	if use {
		p.utmpWritten = true
	}
	s.mu.Unlock()
	if use {
		s.writeUtmp(p, r, r)
	}
}

// utmpLogout writes the logout record of p if a login record was written.
func (s *server) utmpLogout(p *proc) {
	s.mu.Lock()
	done := p.utmpWritten
	p.utmpWritten = false
	r := utmpRecord{Type: utmpDeadProcess, PID: int32(p.pid), Line: p.tunName}
	s.mu.Unlock()
	if !done {
		return
	}
	w := r
	w.Time = s.now()
	s.writeUtmp(p, r, w)
}
