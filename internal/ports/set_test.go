package ports

import "testing"

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		len      int
	}{
		{"", "", 0},
		{"\n", "", 0},
		{"30080", "30080", 1},
		{"30000-32767", "30000-32767", 2768},
		{"31000-31010,30080", "30080,31000-31010", 12},
		{" 30080 , 30081 ,30082\n", "30080-30082", 3},
		{"30000-30010,30005-30020", "30000-30020", 21},
		{"0,65535", "0,65535", 2},
		{"7-7", "7", 1},
	} {
		s, err := ParseList(tc.in)
		if err != nil {
			t.Errorf("ParseList(%q): %v", tc.in, err)
			continue
		}
		if s.String() != tc.want || s.Len() != tc.len {
			t.Errorf("ParseList(%q) = %q with %d ports, want %q with %d", tc.in, s.String(), s.Len(), tc.want, tc.len)
		}
	}
}

func TestParseListErrors(t *testing.T) {
	for in, want := range map[string]string{
		"30000-":      `item 1: "30000-" is not a port (0-65535) or a range such as 30000-32767`,
		"1,,2":        `item 2: "" is not a port (0-65535) or a range such as 30000-32767`,
		"30080,70000": `item 2: "70000" is not a port (0-65535) or a range such as 30000-32767`,
		"32767-30000": `item 1: range "32767-30000" ends before it starts`,
		"a-b":         `item 1: "a-b" is not a port (0-65535) or a range such as 30000-32767`,
		"1-2-3":       `item 1: "1-2-3" is not a port (0-65535) or a range such as 30000-32767`,
	} {
		_, err := ParseList(in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseList(%q) error = %v, want %q", in, err, want)
		}
	}
}
