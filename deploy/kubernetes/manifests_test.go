package kubernetes_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomization.yaml the tests read.
type kustomization struct {
	Namespace string `json:"namespace"`
	Images    []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
	Resources          []string `json:"resources"`
	ConfigMapGenerator []struct {
		Name  string   `json:"name"`
		Files []string `json:"files"`
	} `json:"configMapGenerator"`
}

func readKustomization(t *testing.T) kustomization {
	t.Helper()
	data, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if len(k.ConfigMapGenerator) != 1 || len(k.ConfigMapGenerator[0].Files) != 1 {
		t.Fatalf("kustomization.yaml: want one configMapGenerator of one file, got %+v", k.ConfigMapGenerator)
	}
	return k
}

// The files kustomize applies, each decoded strictly, hold the invariants.
// Every YAML file here is either a resource or the configuration, so none
// is forgotten.
func TestManifests(t *testing.T) {
	k := readKustomization(t)
	var objects []any
	for _, file := range k.Resources {
		objects = append(objects, decodeFile(t, file)...)
	}
	files, _ := filepath.Glob("*.y*ml")
	for _, f := range files {
		if f != "kustomization.yaml" && f != k.ConfigMapGenerator[0].Files[0] && !slices.Contains(k.Resources, f) {
			t.Errorf("%s is not in kustomization.yaml's resources", f)
		}
	}
	checkInvariants(t, k, objects)
}
