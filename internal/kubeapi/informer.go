package kubeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// Informer is client-go's shared informer on one Resource (one list, then
// a watch), which also keeps the error of its last list or watch: the
// exporter reports it on a scrape and when the first list does not come,
// where client-go would only log it.
type Informer struct {
	cache.SharedIndexInformer
	objects, flag string // for errors: "Services", "--nodeport.kubernetes"

	mu      sync.Mutex
	lastErr error // of the last list or watch; nil once one succeeds
}

// InformerOptions narrow what an Informer lists and say how to name it.
type InformerOptions struct {
	// Objects names what is listed, and Flag the flag that asked for
	// them, for errors: "this node's Pods", "--shadow.pods".
	Objects, Flag string
	// FieldSelector narrows the list and watch, e.g. spec.nodeName=NODE.
	FieldSelector string
	// Fake, when not nil, is the client-go fake clientset the resource
	// comes from: fakes cannot stream their first list as a watch.
	Fake any
}

// NewInformer informs on res, whose objects are of obj's type. Run it
// with RunWithContext.
func NewInformer[L runtime.Object](res Resource[L], obj runtime.Object, opts InformerOptions) *Informer {
	i := &Informer{objects: opts.Objects, flag: opts.Flag, lastErr: errors.New("nothing has been listed yet")}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = opts.FieldSelector
			list, err := res.List(ctx, o)
			i.record(err)
			return list, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = opts.FieldSelector
			w, err := res.Watch(ctx, o)
			i.record(err)
			return w, err
		},
	}
	i.SharedIndexInformer = cache.NewSharedIndexInformer(cache.ToListWatcherWithWatchListSemantics(lw, opts.Fake), obj, 0, cache.Indexers{})
	// It cannot fail before the informer runs.
	_ = i.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		// A watch the server ends is renewed; it is not a failure.
		if !errors.Is(err, io.EOF) {
			i.record(err)
		}
	})
	return i
}

// WaitForSync waits for the first list, and says why it did not come.
func (i *Informer) WaitForSync(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), i.HasSynced) {
		return fmt.Errorf("listing %s through the Kubernetes API (%s): %w", i.objects, i.flag, i.Err())
	}
	return nil
}

// Err is the error of the last list or watch, nil once one succeeded.
func (i *Informer) Err() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.lastErr
}

func (i *Informer) record(err error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.lastErr = err
}
