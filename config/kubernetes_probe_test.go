package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// A probe pasted from a pod spec is the module kubelet would run, with its
// schedule kept for the scheduled entries that use it.
func TestKubernetesProbeModules(t *testing.T) {
	c, err := Load("testdata/valid-kubernetes.yml")
	if err != nil {
		t.Fatal(err)
	}
	kafka, web, orders := c.Modules["kafka"], c.Modules["web"], c.Modules["orders"]
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	check("kafka prober", kafka.Prober, ProberTCP)
	check("kafka tcp", *kafka.TCP, TCPProbe{Port: Port{Number: 9092}})
	check("kafka timeout", kafka.Timeout, model.Duration(time.Second))
	check("web prober", web.Prober, ProberHTTP)
	check("web http", *web.HTTP, HTTPProbe{Path: "/healthz", Scheme: "https", Port: Port{Name: "http"},
		HTTPHeaders: HTTPHeaders{{Name: "Authorization", Value: "Bearer t0ken"}}})
	check("web timeout", web.Timeout, model.Duration(3*time.Second))
	check("orders grpc", *orders.GRPC, GRPCProbe{Service: "orders", Port: Port{Number: 9090}})

	check("kafka-0 readiness schedule", c.Scheduled[0].Schedule(kafka), Schedule{InitialDelaySeconds: 15, PeriodSeconds: 5})
	check("kafka-0 liveness schedule", c.Scheduled[1].Schedule(kafka), Schedule{InitialDelaySeconds: 15, PeriodSeconds: 10})
	check("web startup schedule", c.Scheduled[2].Schedule(web), Schedule{TimeoutSeconds: 3, FailureThreshold: 6})
	check("types", []string{c.Scheduled[0].Type, c.Scheduled[1].Type, c.Scheduled[2].Type}, []string{TypeReadiness, TypeLiveness, TypeStartup})

	// Shown as written, a secret header's value hidden, and loadable again.
	shown := web.String()
	if !strings.Contains(shown, "kubernetes_probe:") || strings.Contains(shown, "prober:") || strings.Contains(shown, "t0ken") ||
		!strings.Contains(shown, Redacted) {
		t.Errorf("web shown as:\n%s", shown)
	}
	shownKafka := "modules:\n  kafka:\n" + indent(kafka.String())
	again, err := Parse([]byte(shownKafka))
	if err != nil {
		t.Fatalf("the module as shown does not load: %v\n%s", err, shownKafka)
	}
	check("kafka after a round trip", again.Modules["kafka"], kafka)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
