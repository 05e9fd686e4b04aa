package prober

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// redactor replaces a probe's secrets, wherever they would be shown (the
// debug output, /logs, the landing page, the log), with config.Redacted:
// the values of its module's secret headers and the user information of
// a URL target. A nil *redactor has nothing to hide.
type redactor struct {
	replacer *strings.Replacer
}

func newRedactor(req Request) *redactor {
	var secrets []string
	if req.Module.HTTP != nil {
		for _, h := range req.Module.HTTP.HTTPHeaders {
			if h.IsSecret() && h.Value != "" {
				secrets = append(secrets, h.Value)
			}
		}
	}
	secrets = append(secrets, userinfoForms(req.Target)...)
	if len(secrets) == 0 {
		return nil
	}
	// Longer first: a password must go whole before a user name inside it.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range slices.Compact(secrets) {
		pairs = append(pairs, s, config.Redacted)
	}
	return &redactor{replacer: strings.NewReplacer(pairs...)}
}

// userinfoForms is every way a URL target's user information may be
// written out: as given, escaped, and as Go's HTTP client writes it in
// its errors (user:***).
func userinfoForms(target string) []string {
	if !strings.Contains(target, "://") {
		return nil
	}
	u, err := url.Parse(target)
	if err != nil || u.User == nil {
		return nil
	}
	user := u.User.Username()
	forms := []string{u.User.String(), user + ":***", user}
	if pass, ok := u.User.Password(); ok && pass != "" {
		forms = append(forms, pass, url.QueryEscape(pass))
	}
	var out []string
	for _, f := range forms {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (r *redactor) redact(s string) string {
	if r == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// redactKeyvals redacts the values of a log line.
func (r *redactor) redactKeyvals(keyvals []any) []any {
	if r == nil {
		return keyvals
	}
	out := make([]any, len(keyvals))
	for i, v := range keyvals {
		if i%2 == 1 {
			v = r.redact(fmt.Sprint(v))
		}
		out[i] = v
	}
	return out
}
