//go:build !linux

package sockdiag

// Dump has no sock_diag to ask here.
func Dump(uint8, uint32, func(Socket)) error { return ErrUnsupported }
