package prober

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// queryParams are the parameters /probe takes; any other is refused, so
// that a misspelt one is not silently ignored.
var queryParams = []string{"module", "target", "source_port", "hostname", "debug"}

// probeQuery is /probe's query string, read strictly.
type probeQuery struct {
	Params
	Debug bool
}

// parseQuery reads the query string: each parameter at most once, none
// unknown, debug true or false.
func parseQuery(raw string) (probeQuery, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return probeQuery{}, requestError("query", "the query string is malformed (%s): escape its values, e.g. with curl --data-urlencode", err)
	}
	for name, vs := range values {
		switch {
		case !slices.Contains(queryParams, name):
			return probeQuery{}, requestError("query", "unknown parameter %q: /probe takes %s", truncate(name, 64), strings.Join(queryParams, ", "))
		case len(vs) > 1:
			return probeQuery{}, requestError(name, "the %s parameter is given %d times: give it once", name, len(vs))
		}
	}
	q := probeQuery{Params: Params{
		Module:        values.Get("module"),
		Target:        values.Get("target"),
		SourcePort:    values.Get("source_port"),
		HasSourcePort: values.Has("source_port"),
		Hostname:      values.Get("hostname"),
		HasHostname:   values.Has("hostname"),
	}}
	switch d := values.Get("debug"); {
	case !values.Has("debug"), d == "false":
	case d == "true":
		q.Debug = true
	default:
		return probeQuery{}, requestError("debug", "debug=%s: use debug=true for the probe's log and packet timeline, or debug=false", truncate(d, 64))
	}
	return q, nil
}

// truncate keeps an echoed value short.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:n], len(s))
}
