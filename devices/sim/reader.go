package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

// EncodeRead returns what a reader set to format sends for one read of
// id, with the line ending the reader sends. It returns an error for
// FormatUnknown, which no reader sends, and for an invalid id.
func EncodeRead(format rfid.Format, id line.RFID) ([]byte, error) {
	if _, err := line.ParseRFID(string(id)); err != nil {
		return nil, err
	}
	country, national := id.Country(), id.National()
	switch format {
	case rfid.FormatAllflex:
		return []byte("LA " + country + " " + national + "\r\n"), nil
	case rfid.FormatTIRIS:
		return []byte("LA 00000 0 " + country + " " + national + "\r\n"), nil
	case rfid.FormatDigits:
		return []byte(string(id) + "\r\n"), nil
	case rfid.FormatSpaced:
		return []byte(id.Spaced() + "\r\n"), nil
	case rfid.FormatAllflexCustom:
		return EncodeAllflexCustom(id, AllflexLayout{})
	case rfid.FormatAllflexCustomHex:
		return EncodeAllflexCustom(id, AllflexLayout{Hex: true})
	case rfid.FormatDotHex:
		return []byte(dotHex(id) + "\r\n"), nil
	case rfid.FormatBiomark:
		return []byte("TAG " + dotHex(id) + "\r\n"), nil
	case rfid.FormatWL134:
		return EncodeFrame(id, 0), nil
	}
	return nil, fmt.Errorf("sim: no encoding for reader format %v", format)
}

// AllflexLayout is the output an Allflex reader's option word sets for
// its configurable format. The zero value is decimal fields with leading
// zeros and digits for the country, after "#A", separated by ";".
type AllflexLayout struct {
	Hex            bool   // fields in hex rather than decimal
	Letters        bool   // the country as its ISO 3166 alpha-2 code, where it has one
	NoLeadingZeros bool   // leading zeros dropped from every field; needs a delimiter
	Delimiter      byte   // TAB, ';', ',' or ' '; 0 means ';'
	Joined         bool   // no delimiter between the fields
	Prefix         string // initial character and tag-type letter; empty means "#A"
}

// EncodeAllflexCustom returns the line an Allflex reader set to layout
// sends for one read of id, with CR LF.
func EncodeAllflexCustom(id line.RFID, layout AllflexLayout) ([]byte, error) {
	if _, err := line.ParseRFID(string(id)); err != nil {
		return nil, err
	}
	if layout.Joined && layout.NoLeadingZeros {
		return nil, errors.New("sim: a reader that drops leading zeros needs a delimiter")
	}
	delimiter := string([]byte{layout.Delimiter})
	switch {
	case layout.Joined:
		delimiter = ""
	case layout.Delimiter == 0:
		delimiter = ";"
	case !strings.ContainsRune("\t;, ", rune(layout.Delimiter)):
		return nil, fmt.Errorf("sim: delimiter %q is not TAB, ';', ',' or ' '", layout.Delimiter)
	}
	prefix := layout.Prefix
	if prefix == "" {
		prefix = "#A"
	}

	countryCode, _ := strconv.ParseUint(id.Country(), 10, 16)
	national, _ := strconv.ParseUint(id.National(), 10, 64)
	format, widths := "%0*d", [4]int{5, 1, 4, 12}
	if layout.Hex {
		format, widths = "%0*X", [4]int{4, 1, 3, 10}
	}
	if layout.NoLeadingZeros {
		widths = [4]int{}
	}
	country := fmt.Sprintf(format, widths[2], countryCode)
	if letters, ok := rfid.CountryLetters(id.Country()); ok && layout.Letters {
		country = letters
	}
	fields := []string{
		fmt.Sprintf(format, widths[0], 0), "0", country, fmt.Sprintf(format, widths[3], national),
	}
	if layout.Joined {
		return []byte(prefix + strings.Join(fields, "") + "\r\n"), nil
	}
	return []byte(prefix + delimiter + strings.Join(fields, delimiter) + "\r\n"), nil
}

// EncodeBiomark returns the tag line a Biomark reader sends for a live
// read of id at the reader time at by reader readerID, with CR LF.
func EncodeBiomark(id line.RFID, at time.Time, readerID string) ([]byte, error) {
	if _, err := line.ParseRFID(string(id)); err != nil {
		return nil, err
	}
	return []byte(at.Format("02-01-2006 15:04:05") + " " + readerID + " TAG " + dotHex(id) + "\r\n"), nil
}

func dotHex(id line.RFID) string {
	country, _ := strconv.ParseUint(id.Country(), 10, 16)
	national, _ := strconv.ParseUint(id.National(), 10, 64)
	return fmt.Sprintf("%03X.%010X", country, national)
}

// EncodeFrame returns the 30-byte WL-134 frame of id, which EncodeRead
// has checked, with the animal flag set. A non-zero corrupt is XORed
// into the checksum byte, to make a frame that fails its checksum.
func EncodeFrame(id line.RFID, corrupt byte) []byte {
	country, _ := strconv.ParseUint(id.Country(), 10, 16)
	national, _ := strconv.ParseUint(id.National(), 10, 64)
	body := reverseHex(fmt.Sprintf("%010X", national)) + reverseHex(fmt.Sprintf("%04X", country)) +
		"0" + "1" + "0000000000"
	var checksum byte
	for i := 0; i < len(body); i++ {
		checksum ^= body[i]
	}
	frame := append([]byte{0x02}, body...)
	return append(frame, checksum^corrupt, ^checksum, 0x03)
}

func reverseHex(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// ReaderSim is an ear-tag reader that writes its reads to an io.Writer.
// It is safe for use by several goroutines.
type ReaderSim struct {
	Format rfid.Format

	// Baud, when set and the output is a *Pty, is the rate the reader
	// sends at. A pty carries bytes at any rate, so when the driver has
	// the port open at another rate every byte is written garbled, as a
	// UART receiving at the wrong rate reads it.
	Baud int

	mu       sync.Mutex
	out      io.Writer
	echo     bool
	received []byte
}

// NewReaderSim returns a reader writing reads in format to out. When out
// is a *Pty, Unplug and Replug act on the pty pair.
func NewReaderSim(out io.Writer, format rfid.Format) *ReaderSim {
	return &ReaderSim{Format: format, out: out}
}

// Read writes one read of id.
func (s *ReaderSim) Read(id line.RFID) error {
	b, err := EncodeRead(s.Format, id)
	if err != nil {
		return err
	}
	return s.Write(b)
}

// Hold writes a read of id count times, interval apart, as a reader does
// while a tag stays at its antenna. It stops early when ctx is done.
func (s *ReaderSim) Hold(ctx context.Context, id line.RFID, interval time.Duration, count int) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for i := 0; i < count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-ticker.C:
			}
		}
		if err := s.Read(id); err != nil {
			return err
		}
	}
	return nil
}

// Write writes raw bytes, such as noise or a corrupt frame, in one write.
func (s *ReaderSim) Write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(b)
}

func (s *ReaderSim) writeLocked(b []byte) error {
	if pty, ok := s.out.(*Pty); ok && s.Baud != 0 {
		rate, err := pty.DriverBaud()
		if err != nil {
			return err
		}
		if rate != s.Baud {
			b = garble(b)
		}
	}
	_, err := s.out.Write(b)
	return err
}

// garble returns what a UART set to another rate might read for b. The
// bytes all have the high bit set, so none is a line ending, STX or ETX,
// and nothing decodes.
func garble(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = 0x80 | (c ^ 0x55)
	}
	return out
}

// PowerOn writes the STX, CR, LF that an Allflex reader sends when it is
// switched on.
func (s *ReaderSim) PowerOn() error {
	return s.Write([]byte("\x02\r\n"))
}

// StartEcho makes the reader send back every byte it receives, as an
// Allflex reader does, and keep what it received for Received. The output
// must be a *Pty; after Replug the echo continues on the new pair.
func (s *ReaderSim) StartEcho() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pty, ok := s.out.(*Pty)
	if !ok {
		return errors.New("sim: only a reader on a *Pty can echo")
	}
	s.echo = true
	s.startEchoLocked(pty)
	return nil
}

func (s *ReaderSim) startEchoLocked(pty *Pty) {
	end := pty.end
	if end == nil {
		return
	}
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := end.Read(buf)
			if err != nil {
				return // the pty was unplugged or closed
			}
			s.mu.Lock()
			s.received = append(s.received, buf[:n]...)
			s.writeLocked(buf[:n])
			s.mu.Unlock()
		}
	}()
}

// Received returns the bytes the reader received since StartEcho.
func (s *ReaderSim) Received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.received)
}

// WriteSlowly writes b in pieces of size bytes with a pause between
// them, as a slow link delivers a line.
func (s *ReaderSim) WriteSlowly(b []byte, size int, pause time.Duration) error {
	for len(b) > 0 {
		n := min(size, len(b))
		if err := s.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		if len(b) > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

// Unplug disconnects the reader: a *Pty is unplugged, another io.Closer
// is closed.
func (s *ReaderSim) Unplug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch out := s.out.(type) {
	case *Pty:
		return out.Unplug()
	case io.Closer:
		return out.Close()
	}
	return errors.New("sim: the reader's output cannot be unplugged")
}

// Replug connects the reader again. Only a *Pty can be replugged.
func (s *ReaderSim) Replug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pty, ok := s.out.(*Pty); ok {
		if err := pty.Replug(); err != nil {
			return err
		}
		if s.echo {
			s.startEchoLocked(pty)
		}
		return nil
	}
	return errors.New("sim: the reader's output cannot be replugged")
}

// Pty is a pair of connected pseudo-terminals made by socat. The driver
// opens Path, a stable symbolic link like a /dev/serial/by-id name; the
// simulator writes to the other end. Each Replug makes a new pair under
// new link names and points Path at it, as a USB serial adapter that
// comes back as another ttyUSB device does. A Pty is not safe for use by
// several goroutines; a ReaderSim serialises its calls.
type Pty struct {
	Path string

	dir    string
	gen    int
	cmd    *exec.Cmd
	end    *os.File
	driver *os.File // the driver's end, opened by the simulator too, to read its settings
	done   chan struct{}
}

// StartPty starts socat to make a pty pair with its links in dir, which
// must exist, and returns it with Path set to dir/reader. It fails when
// socat is not installed. Writes block once the pty buffer is full while
// no process reads the driver's end.
func StartPty(dir string) (*Pty, error) {
	p := &Pty{Path: filepath.Join(dir, "reader"), dir: dir}
	if err := p.start(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Pty) start() error {
	p.gen++
	driver := filepath.Join(p.dir, fmt.Sprintf("driver%d", p.gen))
	simEnd := filepath.Join(p.dir, fmt.Sprintf("sim%d", p.gen))
	cmd := exec.Command("socat", "-d", "-d",
		"pty,raw,echo=0,link="+driver, "pty,raw,echo=0,link="+simEnd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sim: start socat: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	p.cmd, p.done = cmd, done

	if err := waitForPtyLinks(done, driver, simEnd); err != nil {
		p.stop()
		return err
	}
	end, err := os.OpenFile(simEnd, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		p.stop()
		return fmt.Errorf("sim: open pty end: %w", err)
	}
	p.end = end
	// The simulator opens the driver's end before the driver does, which
	// takes it for exclusive use, so that DriverBaud can read its
	// settings. It never reads from it.
	watch, err := os.OpenFile(driver, os.O_RDONLY|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		p.stop()
		return fmt.Errorf("sim: open driver's pty end: %w", err)
	}
	p.driver = watch

	// Point Path at the new pair in one rename, as udev replaces a link.
	tmp := p.Path + ".new"
	os.Remove(tmp)
	if err := os.Symlink(driver, tmp); err != nil {
		p.stop()
		return fmt.Errorf("sim: link %s: %w", p.Path, err)
	}
	if err := os.Rename(tmp, p.Path); err != nil {
		p.stop()
		return fmt.Errorf("sim: link %s: %w", p.Path, err)
	}
	return nil
}

// waitForPtyLinks waits up to 5 s for socat to create both links.
func waitForPtyLinks(done <-chan struct{}, links ...string) error {
	deadline := time.Now().Add(5 * time.Second)
	for _, link := range links {
		for {
			if _, err := os.Stat(link); err == nil {
				break
			}
			select {
			case <-done:
				return errors.New("sim: socat exited before creating its ptys")
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("sim: socat did not create %s within 5 s", link)
			}
		}
	}
	return nil
}

// Write writes to the simulator's end of the pair.
func (p *Pty) Write(b []byte) (int, error) {
	if p.end == nil {
		return 0, errors.New("sim: pty is unplugged")
	}
	return p.end.Write(b)
}

// DriverBaud returns the baud rate the driver's end is set to, which a
// pty keeps but does not apply.
func (p *Pty) DriverBaud() (int, error) {
	if p.driver == nil {
		return 0, errors.New("sim: pty is unplugged")
	}
	return ttyBaud(p.driver)
}

// Device returns the pseudo-terminal that Path currently leads to.
func (p *Pty) Device() (string, error) {
	return filepath.EvalSymlinks(p.Path)
}

// Unplug closes the simulator's end and stops socat, so the driver's
// read fails and Path leads nowhere until Replug.
func (p *Pty) Unplug() error {
	p.stop()
	return nil
}

// Replug makes a new pair and points Path at it.
func (p *Pty) Replug() error {
	p.stop()
	return p.start()
}

// Close stops socat and removes Path.
func (p *Pty) Close() error {
	p.stop()
	err := os.Remove(p.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// stop closes the simulator's end and ends socat by its process id.
func (p *Pty) stop() {
	if p.end != nil {
		p.end.Close()
		p.end = nil
	}
	if p.driver != nil {
		p.driver.Close()
		p.driver = nil
	}
	if p.cmd != nil {
		// SIGTERM lets socat remove its links; SIGKILL is the fallback.
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(2 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
		p.cmd = nil
	}
}
