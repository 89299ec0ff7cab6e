//go:build unix

package realtime

import (
	"net"
	"syscall"
)

// rawWriter writes to a socket without waiting: what the socket's buffer takes now.
type rawWriter interface {
	// tryWrite writes what of b the socket takes at once and returns how much; less than
	// len(b) when the buffer is full or the socket failed (a blocking write then says why).
	tryWrite(b []byte) int
}

type sockWriter struct{ rc syscall.RawConn }

// rawWriterOf returns the non-blocking writer of a TCP or Unix socket, nil for another
// kind of connection (TLS, a pipe in a test), whose frames all go through the writer.
func rawWriterOf(nc net.Conn) rawWriter {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return sockWriter{rc}
}

func (w sockWriter) tryWrite(b []byte) int {
	written := 0
	_ = w.rc.Write(func(fd uintptr) bool {
		for written < len(b) {
			n, err := syscall.Write(int(fd), b[written:])
			if err == syscall.EINTR {
				continue
			}
			if err != nil || n <= 0 { // EAGAIN: the buffer is full; anything else: the writer will see it
				break
			}
			written += n
		}
		return true // never wait: the writer goroutine does
	})
	return written
}
