package bench

import (
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseWrkReadsTotalsLatenciesAndErrors(t *testing.T) {
	cases := []struct {
		file string
		want wrkResult
	}{
		{"testdata/wrk.txt", wrkResult{Requests: 585, Elapsed: 2020 * time.Millisecond, PerSecond: 289.86,
			P50: 582500 * time.Nanosecond, P99: 58250 * time.Microsecond}},
		{"testdata/wrk-errors.txt", wrkResult{Requests: 8379, Elapsed: 4010 * time.Millisecond, PerSecond: 2089.53,
			P50: 58900 * time.Microsecond, P99: 1010 * time.Millisecond, Errors: 12}},
	}
	for _, c := range cases {
		out, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseWrk(string(out))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.file, got, c.want)
		}
	}
}

func TestParseWrkRefusesAReportWithoutLatencies(t *testing.T) {
	out := "  585 requests in 2.02s, 2.68MB read\nRequests/sec:    289.86\n"
	if _, err := parseWrk(out); err == nil {
		t.Error("parsed a report without --latency's distribution")
	}
}
func TestMedianAndGeomean(t *testing.T) {
	if got := median([]float64{5, 1, 3}); got != 3 {
		t.Errorf("median(5, 1, 3) = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median(4, 1, 3, 2) = %v", got)
	}
	if got := geomean([]float64{2, 0.5}); math.Abs(got-1) > 1e-12 {
		t.Errorf("geomean(2, 0.5) = %v, want 1", got)
	}
	if got := geomean([]float64{4, 0}); !math.IsNaN(got) {
		t.Errorf("geomean with a zero = %v, want NaN", got)
	}
	if got := rotate([]int{1, 2, 3}, 4); !slices.Equal(got, []int{2, 3, 1}) {
		t.Errorf("rotate(1 2 3, 4) = %v", got)
	}
}

// The lingering floor's connections, for tcp and http probes alike, close
// as kubelet's do: SO_LINGER on, 1 s. The plain floor's do not.
func TestFloorLingersOnlyWhenAsked(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, linger := range []bool{false, true} {
		c, err := newFloorHandler(linger).dialer.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		rc, err := c.(syscall.Conn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var got *unix.Linger
		rc.Control(func(fd uintptr) { got, err = unix.GetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER) })
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want := (unix.Linger{Onoff: boolInt(linger), Linger: boolInt(linger)}); *got != want {
			t.Errorf("linger %v: SO_LINGER %+v, want %+v", linger, *got, want)
		}
		if h := newFloorHandler(linger); (h.client.Transport.(*http.Transport).DialContext != nil) != linger {
			t.Errorf("linger %v: the http probes' transport should dial with the floor's dialer only when lingering", linger)
		}
	}
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
