package config

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// SafeConfig holds the running configuration. A reload that fails leaves
// the running configuration in place and says so in its metrics.
type SafeConfig struct {
	mu     sync.RWMutex
	config *Config
	// prepare, when set, checks a configuration that loaded before it
	// runs, and returns what puts it to use once it is the running one.
	prepare func(*Config) (apply func(), err error)

	reloadSuccess   prometheus.Gauge
	reloadTimestamp prometheus.Gauge
}

// NewSafeConfig registers the reload metrics and holds an empty
// configuration until the first successful Reload.
func NewSafeConfig(reg prometheus.Registerer) *SafeConfig {
	sc := &SafeConfig{
		config: &Config{Modules: map[string]Module{}},
		reloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubeprobe_exporter_config_last_reload_successful",
			Help: "Whether the last configuration reload attempt was successful.",
		}),
		reloadTimestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubeprobe_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration reload.",
		}),
	}
	reg.MustRegister(sc.reloadSuccess, sc.reloadTimestamp)
	return sc
}

// Get returns the running configuration. Callers must not modify it.
func (sc *SafeConfig) Get() *Config {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	return sc.config
}

// OnReload makes every reload pass a loaded configuration through
// prepare, which may refuse it (the running one then stays) or return
// what to do once it runs: what else a configuration drives, such as the
// scheduled probes, follows it that way.
func (sc *SafeConfig) OnReload(prepare func(*Config) (apply func(), err error)) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.prepare = prepare
}

// Reload reads path and, only if it is valid, makes it the running
// configuration.
func (sc *SafeConfig) Reload(path string) error {
	c, err := Load(path)
	sc.mu.RLock()
	prepare := sc.prepare
	sc.mu.RUnlock()
	apply := func() {}
	if err == nil && prepare != nil {
		apply, err = prepare(c)
	}
	if err != nil {
		sc.reloadSuccess.Set(0)
		return err
	}
	sc.mu.Lock()
	sc.config = c
	sc.mu.Unlock()
	apply()
	sc.reloadSuccess.Set(1)
	sc.reloadTimestamp.SetToCurrentTime()
	return nil
}
