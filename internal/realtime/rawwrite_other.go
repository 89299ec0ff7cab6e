//go:build !unix

package realtime

import "net"

// rawWriter writes to a socket without waiting; none on this platform, where every
// frame goes through the connection's writer goroutine.
type rawWriter interface {
	tryWrite(b []byte) int
}

func rawWriterOf(net.Conn) rawWriter { return nil }
