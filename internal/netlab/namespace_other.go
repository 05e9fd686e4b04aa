//go:build !linux

package netlab

import "errors"

// InNamespace needs Linux's network namespaces; Require skips every lab
// test before it gets here.
func InNamespace(string, func() error) error {
	return errors.New("network namespaces need Linux")
}
