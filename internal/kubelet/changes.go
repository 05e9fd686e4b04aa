package kubelet

// Change is something kubelet's prober does from some release on.
type Change int

// The changes the exporter copies, each a row of table below.
const (
	// AcceptHeader: "Accept: */*" is sent unless the probe sets Accept,
	// and an empty Accept removes it.
	AcceptHeader Change = iota
	// NoCompression: the transport no longer asks for gzip.
	NoCompression
	// LingerHTTPTCP: HTTP and TCP probe sockets get SO_LINGER{on, 1s}.
	LingerHTTPTCP
	// LingerGRPC: gRPC probe sockets get SO_LINGER{on, 1s}.
	LingerGRPC
	// RedirectOutputPrefix: a redirect not followed reads "Probe
	// terminated redirects, Response body: <body>"; before, the body alone.
	RedirectOutputPrefix
	// CanonicalHeaderNames: httpHeaders are added with http.Header.Add, so
	// "accept" or "HOST" replace kubelet's own, instead of going out beside
	// them.
	CanonicalHeaderNames
	// NamedPortByNameOnly: a port name that no container port has is an
	// error `port "x" not found`; before, kubelet tried it as a number.
	NamedPortByNameOnly
)

// Landing is where a change arrived: a release and the kubernetes pull
// request that brought it there (a cherry-pick's own number for a
// backport, as the release's CHANGELOG names it).
type Landing struct {
	Release Release
	PR      int
}

// row is one line of the table: a change and every release line it landed
// in. The last landing is the mainline one, which every later minor
// release inherits; the others are backports to older minor releases.
type row struct {
	change   Change
	landings []Landing
	wire     string
}

// table is the one table of kubelet releases. Each landing was read in
// kubelet's source at the tags around it (docs/kubelet.md says what each
// release's code does) and in its CHANGELOG.
var table = []row{
	{AcceptHeader, []Landing{{V(1, 20, 0), 95641}},
		"`Accept: */*` is sent unless the probe sets `Accept`; an empty `Accept` removes it. Before: no `Accept`"},
	{NoCompression, []Landing{{V(1, 20, 0), 96127}},
		"no `Accept-Encoding`. Before: Go's `Accept-Encoding: gzip` was sent and the body decompressed"},
	{LingerHTTPTCP, []Landing{{V(1, 23, 17), 115143}, {V(1, 24, 11), 115143}, {V(1, 25, 7), 115143}, {V(1, 26, 2), 115143}, {V(1, 27, 0), 115143}},
		"HTTP and TCP probe sockets get `SO_LINGER` on with 1 s, so closing sends a FIN and waits at most a second"},
	{LingerGRPC, []Landing{{V(1, 27, 0), 115321}},
		"gRPC probe sockets get `SO_LINGER` on with 1 s too (never backported)"},
	{RedirectOutputPrefix, []Landing{{V(1, 24, 0), 103967}},
		"a redirect not followed reads `Probe terminated redirects, Response body: <body>`. Before: the body alone"},
	{CanonicalHeaderNames, []Landing{{V(1, 24, 14), 117331}, {V(1, 25, 10), 117333}, {V(1, 26, 5), 117323}, {V(1, 27, 2), 117324}, {V(1, 28, 0), 114606}},
		"header names are case-insensitive: `accept` replaces kubelet's `Accept: */*`, `HOST` sets the Host line. Before: they went out beside kubelet's own, as second header lines"},
	{NamedPortByNameOnly, []Landing{{V(1, 37, 0), 139791}},
		"a named port no container port has is the error `port \"x\" not found`. Before: kubelet tried the name as a number (`strconv.Atoi: parsing \"x\": invalid syntax`)"},
}

// Has reports whether release r has change c.
func (r Release) Has(c Change) bool {
	for _, row := range table {
		if row.change == c {
			return row.has(r)
		}
	}
	panic("kubelet: a change without a row in the table")
}

func (w row) has(r Release) bool {
	mainline := w.landings[len(w.landings)-1].Release
	if r.AtLeast(mainline) {
		return true
	}
	for _, l := range w.landings {
		if r.sameMinor(l.Release) && r.AtLeast(l.Release) {
			return true
		}
	}
	return false
}
