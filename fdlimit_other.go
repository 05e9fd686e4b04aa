//go:build !unix

package main

// descriptorLimit is unknown here; the defaults apply.
func descriptorLimit() int { return 0 }
