// Package manifest holds what the tests of deploy/kubernetes and deploy/helm
// share: the strict decoding of manifests into the k8s.io/api and
// Prometheus Operator types, the invariants every way of deploying the
// exporter keeps, Prometheus's relabeling applied to sample targets, and the
// exporter run with a DaemonSet's arguments. Only tests import it.
package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kinds are the only objects the manifests may hold, each with the Go type
// it must decode into.
var kinds = map[string]func() any{
	"v1/Namespace":      func() any { return &corev1.Namespace{} },
	"v1/ServiceAccount": func() any { return &corev1.ServiceAccount{} },
	"v1/Service":        func() any { return &corev1.Service{} },
	"v1/ConfigMap":      func() any { return &corev1.ConfigMap{} },
	"v1/Secret":         func() any { return &corev1.Secret{} },
	"apps/v1/DaemonSet": func() any { return &appsv1.DaemonSet{} },
	"rbac.authorization.k8s.io/v1/ClusterRole":        func() any { return &rbacv1.ClusterRole{} },
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": func() any { return &rbacv1.ClusterRoleBinding{} },
	"monitoring.coreos.com/v1/PodMonitor":             func() any { return &monitoringv1.PodMonitor{} },
	"monitoring.coreos.com/v1/ServiceMonitor":         func() any { return &monitoringv1.ServiceMonitor{} },
	"monitoring.coreos.com/v1/Probe":                  func() any { return &monitoringv1.Probe{} },
	"monitoring.coreos.com/v1/PrometheusRule":         func() any { return &monitoringv1.PrometheusRule{} },
	"monitoring.coreos.com/v1alpha1/ScrapeConfig":     func() any { return &monitoringv1alpha1.ScrapeConfig{} },
}

// DecodeStrict decodes every YAML document of data into the Go type of its
// apiVersion and kind. An unknown kind, an unknown or duplicate field, or a
// value of the wrong type is an error naming the document.
func DecodeStrict(name string, data []byte) ([]any, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objects []any
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objects, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		if tm == (metav1.TypeMeta{}) {
			continue // comments only
		}
		newObject, ok := kinds[tm.APIVersion+"/"+tm.Kind]
		if !ok {
			return nil, fmt.Errorf("%s: document %d: unexpected kind %s %s", name, i, tm.APIVersion, tm.Kind)
		}
		obj := newObject()
		if err := UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s: document %d (%s): %w", name, i, tm.Kind, err)
		}
		objects = append(objects, obj)
	}
}

// UnmarshalStrict decodes as the API server does in strict mode: field names
// match case-sensitively (encoding/json, and so yaml.UnmarshalStrict, would
// take clusterIp for clusterIP), and unknown or duplicate fields are errors.
func UnmarshalStrict(doc []byte, obj any) error {
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := sigsjson.UnmarshalStrict(data, obj, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// DecodeFile decodes the manifests of one file strictly.
func DecodeFile(t testing.TB, path string) []any {
	t.Helper()
	objects, err := DecodeStrict(path, ReadFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// ReadFile returns a file's contents or fails the test.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// All returns the objects of type T among objects.
func All[T any](objects []any) []T {
	var found []T
	for _, o := range objects {
		if v, ok := o.(T); ok {
			found = append(found, v)
		}
	}
	return found
}

// Only returns the single object of type T among objects.
func Only[T any](t testing.TB, objects []any) T {
	t.Helper()
	found := All[T](objects)
	if len(found) != 1 {
		var zero T
		t.Fatalf("want exactly one %T, found %d", zero, len(found))
	}
	return found[0]
}

// Repo returns a path in the repository, from the directory of the test
// that asks: the one holding go.mod, above it.
func Repo(t testing.TB, path string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, path)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
