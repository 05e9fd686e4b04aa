package collector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeProcfs is a procfs tree holding the given files.
func fakeProcfs(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for path, content := range files {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func nodeWithReserved(t *testing.T, content string) (*procNode, string) {
	t.Helper()
	root := fakeProcfs(t, map[string]string{"sys/net/ipv4/ip_local_reserved_ports": content})
	n, err := newProcNode(root)
	if err != nil {
		t.Fatal(err)
	}
	return n, filepath.Join(root, "sys/net/ipv4/ip_local_reserved_ports")
}

// TestReservedPortsReadsLongListsWhole reads a 1246-byte list: procfs's
// SysctlStrings would stop at 128 bytes, inside the third item.
func TestReservedPortsReadsLongListsWhole(t *testing.T) {
	text := fixture(t, "reserved_ports_long")
	n, _ := nodeWithReserved(t, text)
	s, err := n.ReservedPorts()
	if err != nil {
		t.Fatal(err)
	}
	// The fixture is in the kernel's own form, already merged, so writing
	// the set back must give it exactly, last item included.
	if got := s.String() + "\n"; got != text {
		t.Errorf("read back as\n%s\nwant\n%s", got, text)
	}
	want := 7 + 2768 + 201 + 11 + 1 // 1024-1030, 30000-32767, 40000-40400 even ports, 50000-50010, 65535
	if s.Len() != want {
		t.Errorf("Len = %d, want %d", s.Len(), want)
	}
	if !s.Has(65535) || !s.Has(40400) || s.Has(40401) {
		t.Errorf("membership wrong at the end of the list: 65535 %v, 40400 %v, 40401 %v", s.Has(65535), s.Has(40400), s.Has(40401))
	}
}

func TestReservedPortsEmpty(t *testing.T) {
	n, _ := nodeWithReserved(t, fixture(t, "reserved_ports_empty"))
	s, err := n.ReservedPorts()
	if err != nil || s.Len() != 0 {
		t.Errorf("empty value: %d ports, %v; want none and no error", s.Len(), err)
	}
}

func TestReservedPortsMalformedNamesTheSysctl(t *testing.T) {
	for name, want := range map[string]string{
		"reserved_ports_malformed": `item 2: "31000-" is not a port (0-65535) or a range such as 30000-32767`,
		"reserved_ports_backwards": `item 1: range "32767-30000" ends before it starts`,
		"reserved_ports_too_big":   `item 2: "70000" is not a port (0-65535) or a range such as 30000-32767`,
	} {
		n, path := nodeWithReserved(t, fixture(t, name))
		_, err := n.ReservedPorts()
		if want := "net.ipv4.ip_local_reserved_ports in " + path + ": " + want; err == nil || err.Error() != want {
			t.Errorf("%s: error = %v\nwant %s", name, err, want)
		}
	}
}

func TestReservedPortsMissingFile(t *testing.T) {
	n, err := newProcNode(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.ReservedPorts()
	if err == nil || !strings.HasPrefix(err.Error(), "reading net.ipv4.ip_local_reserved_ports: open ") {
		t.Errorf("error = %v, want one naming the sysctl and the file", err)
	}
}

func TestEphemeralRange(t *testing.T) {
	for text, want := range map[string]string{
		"32768\t60999\n": "32768-60999",
		"1024 65000":     "1024-65000",
	} {
		root := fakeProcfs(t, map[string]string{"sys/net/ipv4/ip_local_port_range": text})
		n, _ := newProcNode(root)
		r, err := n.EphemeralRange()
		if err != nil || r.String() != want {
			t.Errorf("%q: %v, %v; want %s", text, r, err, want)
		}
	}
	root := fakeProcfs(t, map[string]string{"sys/net/ipv4/ip_local_port_range": "60999 32768\n"})
	n, _ := newProcNode(root)
	_, err := n.EphemeralRange()
	want := "net.ipv4.ip_local_port_range in " + filepath.Join(root, "sys/net/ipv4/ip_local_port_range") +
		`: want two ports from 0 to 65535, the first no greater than the second, got "60999 32768\n"`
	if err == nil || err.Error() != want {
		t.Errorf("backwards range: %v\nwant %s", err, want)
	}
}
