// Command kube-apiserver is Kubernetes's, at the release go.mod pins, built
// for the shadow's end-to-end test (make .build/tools/kube-apiserver).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
