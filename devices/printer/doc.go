// Package printer drives ZPL II label printers over raw TCP or a serial
// port and parses their ~HS status reply. Printer implements
// line.Printer.
//
// # Protocol
//
// The facts below come from the ZPL II Programming Guide (Zebra).
//
// A job is sent as raw bytes, one ^XA…^XZ format per label or a ^PQ
// batch, to TCP port 9100 or down a serial line (commonly 9600 8N1 with
// XON/XOFF). The printer acknowledges nothing. Print therefore sends a
// job exactly once and never resends it: a write that fails midway
// returns ErrMaybePrinted, because the printer may already have printed
// the label.
//
// The host asks for status with ~HS. The printer returns three strings,
// each STX (0x02), comma-separated fields, ETX (0x03), CR, LF:
//
//	string 1  aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
//	string 2  mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
//	string 3  xxxx,y
//
// b is paper out, c pause, eee formats in the receive buffer, f buffer
// full, l over temperature, o head up (open), p ribbon out and uuuuuuuu
// labels remaining in the batch. The reply has no length header, so the
// reader collects bytes until the third ETX or until a timeout, and
// StatusCollector accepts a reply split across any number of reads.
//
// A Zebra printer sends no reply to ~HS while its media or ribbon is
// out, its head is open or too hot, or its rewinder is full. A timeout on
// a connection that opened is therefore ErrNeedsAttention, for which
// Error.Hint asks the operator to check paper, ribbon and head. It is not
// ErrOffline, which means the connection could not be opened or broke. A
// serial port opens whether or not a printer is attached, so on a serial
// port ErrNeedsAttention also covers an unplugged cable. A reply that
// does not start with STX comes from a printer set to another command
// language and gives ErrNotZPL.
//
// # Connections
//
// A Printer keeps one connection and one mutex serializes its calls.
// After a failed call it closes the connection, so no stale reply bytes
// reach a later call, and the next call opens a new one.
package printer
