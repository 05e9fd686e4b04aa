package ports

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]Range{
		"30080": {30080, 30080}, "30000-32767": {30000, 32767}, " 1024 - 65535 ": {1024, 65535}, "0": {0, 0},
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"70000":       `"70000" is not a port (0-65535) or a range such as 30000-32767`,
		"30000-":      `"30000-" is not a port (0-65535) or a range such as 30000-32767`,
		"a-b":         `"a-b" is not a port (0-65535) or a range such as 30000-32767`,
		"1-2-3":       `"1-2-3" is not a port (0-65535) or a range such as 30000-32767`,
		"":            `"" is not a port (0-65535) or a range such as 30000-32767`,
		"32767-30000": `range "32767-30000" ends before it starts`,
	} {
		if _, err := Parse(in); err == nil || err.Error() != want {
			t.Errorf("Parse(%q) error %v, want %s", in, err, want)
		}
	}
}

func TestRange(t *testing.T) {
	r := Range{30000, 32767}
	if r.Len() != 2768 || !r.Contains(30000) || !r.Contains(32767) || r.Contains(32768) || r.String() != "30000-32767" {
		t.Errorf("%v: Len %d, String %s", r, r.Len(), r)
	}
	if s := (Range{30080, 30080}).String(); s != "30080" {
		t.Errorf("one port renders as %q", s)
	}
}
