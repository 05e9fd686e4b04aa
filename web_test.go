package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// /logs tells an id that was never issued (a 400 saying which are) from
// one whose probe was pushed out (a 404), and lists the kept probes.
func TestLogsTellsNeverIssuedFromNoLongerKept(t *testing.T) {
	e := startExporter(t, "--config.file=config.example.yml", "--history.limit=1", "--no-nodeport.ipvs")
	code, body := e.get(t, "/logs?id=1")
	if code != http.StatusBadRequest || !strings.Contains(body, "no probe has been kept yet") {
		t.Errorf("/logs?id=1 before any probe = %d %q, want 400 saying none is kept", code, body)
	}
	target := acceptAll(t)
	for range 3 {
		if code, body := e.get(t, "/probe?module=kafka_readiness&target="+target); code != http.StatusOK {
			t.Fatalf("/probe: %d %s", code, body)
		}
	}
	for _, c := range []struct {
		query string
		code  int
		want  string
	}{
		{"id=0", http.StatusBadRequest, "id=0: no probe ever had this id; ids run from 1 to 3"},
		{"id=-1", http.StatusBadRequest, "id=-1: no probe ever had this id"},
		{"id=999", http.StatusBadRequest, "id=999: no probe ever had this id; ids run from 1 to 3"},
		{"id=x", http.StatusBadRequest, "id=x: the id parameter is the number of a probe"},
		{"id=1", http.StatusNotFound, "probe 1 is no longer kept"},
		{"id=3", http.StatusOK, "Logs for the probe:"},
		{"", http.StatusOK, "\tsuccess\testablished\tkafka_readiness\t" + target},
	} {
		code, body := e.get(t, "/logs?"+c.query)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("/logs?%s = %d %q\nwant %d with %q", c.query, code, body, c.code, c.want)
		}
	}
}

// The landing page shows a warning as a warning (kubelet passes it, but
// it is no plain success), each probe's handshake, and links to every
// endpoint.
func TestLandingPageShowsWarningsHandshakesAndLinks(t *testing.T) {
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	e := startExporter(t, "--config.file=config.example.yml", "--no-nodeport.ipvs")
	code, body := e.get(t, "/probe?module=http_get&target="+redirect.URL+"/")
	if code != http.StatusOK || !strings.Contains(body, `probe_kubelet_result{result="warning"} 1`) {
		t.Fatalf("/probe of a redirect to another host: %d\n%s", code, body)
	}
	e.get(t, "/probe?module=kafka_readiness&target="+freeAddress(t))
	_, page := e.get(t, "/")
	mustContain(t, "the landing page", page,
		"<th>Handshake</th>", "<em>Warning</em>", "<strong>Failure</strong>", "<td>established</td>", "<td>refused</td>")
	for _, link := range []string{"metrics", "config", "logs", "shadow", "-/healthy"} {
		mustContain(t, "the landing page", page, fmt.Sprintf(`href="/%s"`, link))
	}
}
