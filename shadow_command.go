package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// Exit codes of the shadow command.
const (
	exitShadowPrinted = 0
	exitShadowNotRead = 2
)

// shadowCommandFlags are the shadow command's: it reads a running
// exporter's /shadow, since the start-ups it reports are learned over the
// exporter's lifetime, not in one run of a command.
type shadowCommandFlags struct {
	url     *string
	timeout *time.Duration
}

func addShadowCommand(app *kingpin.Application) (*kingpin.CmdClause, shadowCommandFlags) {
	cmd := app.Command("shadow", "Print a running exporter's /shadow: each shadowed probe as kubelet would hold it, the longest start-up seen, "+
		"and the initialDelaySeconds or startupProbe ((failureThreshold − 1) × periodSeconds) that covers it; exit 0 once printed, 2 if the exporter could not be read.")
	return cmd, shadowCommandFlags{
		url: cmd.Flag("exporter.url", "The running exporter's address; with basic auth, give the user and password in it (https://user:password@host:9878).").
			Default("http://localhost" + defaultListenAddress).String(),
		timeout: cmd.Flag("timeout", "How long to wait for the exporter's answer.").Default("10s").Duration(),
	}
}

// runShadowCommand prints the exporter's /shadow to out.
func runShadowCommand(f shadowCommandFlags, logger log.Logger, out io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *f.timeout)
	defer cancel()
	if err := fetchShadow(ctx, *f.url, out); err != nil {
		level.Error(logger).Log("msg", "Error reading the exporter's shadow", "err", err)
		return exitShadowNotRead
	}
	return exitShadowPrinted
}

func fetchShadow(ctx context.Context, exporter string, out io.Writer) error {
	page, err := shadowURL(exporter)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return fmt.Errorf("--exporter.url=%s: %w", exporter, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("is the exporter running there (serve, with --web.listen-address)? %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", redacted(page), resp.Status, strings.TrimSpace(string(body)))
	}
	_, err = io.Copy(out, resp.Body)
	return err
}

// shadowURL is the /shadow page of the exporter at base, which may carry
// a path prefix (a reverse proxy's).
func shadowURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("--exporter.url=%s: want http://host:port or https://host:port", base)
	}
	return u.JoinPath("shadow").String(), nil
}

// redacted keeps a password given in the URL out of error messages.
func redacted(page string) string {
	u, err := url.Parse(page)
	if err != nil {
		return page
	}
	return u.Redacted()
}
