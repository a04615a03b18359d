package printer

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// checkConn reports whether a kept TCP connection is still open, without
// blocking. It reads and discards any bytes the printer sent unrequested,
// which cannot belong to a later ~HS reply, and returns io.EOF when the
// printer has closed the connection. A serial link always passes.
func checkConn(conn link) error {
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return err
	}

	// RawConn.Read fails at once while an old deadline has passed.
	if err := tcp.SetReadDeadline(time.Time{}); err != nil {
		return err
	}

	var checkErr error
	buf := make([]byte, 512)
	err = raw.Read(func(fd uintptr) bool {
		for {
			n, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT)
			switch {
			case n > 0:
				continue
			case err == nil:
				checkErr = io.EOF
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN):
				// Nothing to read: the connection is open.
			default:
				checkErr = err
			}
			return true
		}
	})
	if err != nil {
		return err
	}
	return checkErr
}
