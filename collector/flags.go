package collector

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/kingpin/v2"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Config is the collector's configuration, from the command line.
type Config struct {
	ProcPath      string      // --path.procfs
	NodePortRange ports.Range // --nodeport.range: the API server's --service-node-port-range
	Kubernetes    bool        // --nodeport.kubernetes
	Kubeconfig    string      // --kubeconfig; empty means in-cluster
	IPVS          IPVSMode    // --nodeport.ipvs
	Static        ports.Set   // --nodeport.static
	TimeWaitTop   int         // --collector.timewait.top
	// ListenPorts are the exporter's TCP listen ports: serve's, or those
	// check is told with --web.listen-address. Not a collector flag: the
	// commands fill it in.
	ListenPorts ports.Set
}

// IPVSMode is whether the ipvs source is on.
type IPVSMode int

const (
	// IPVSAuto reads /proc/net/ip_vs when it exists, and counts no IPVS
	// NodePorts when it does not (no IPVS on this node, or not yet).
	IPVSAuto IPVSMode = iota
	IPVSOn
	IPVSOff
)

// maxTimeWaitTop bounds --collector.timewait.top, and so the label values
// of kubeprobe_tcp_time_wait_top_destinations.
const maxTimeWaitTop = 100

// Flags are the collector's flags. The serve and check commands both
// take them, so each adds its own copy with AddFlags.
type Flags struct {
	procPath      *string
	nodePortRange ports.Range
	kubernetes    *bool
	kubeconfig    *string
	ipvs          *bool
	ipvsSetByUser bool
	static        portListValue
	timeWaitTop   *int
	// otherUsers are other flags of the command that connect to the
	// API with --kubeconfig, by name.
	otherUsers map[string]*bool
}

// flagger is a kingpin command or application.
type flagger interface {
	Flag(name, help string) *kingpin.FlagClause
}

// AddFlags adds the collector's flags to a command.
func AddFlags(cmd flagger) *Flags {
	f := &Flags{}
	f.procPath = cmd.Flag("path.procfs", "procfs mountpoint; /proc/sys/net and /proc/net show the network namespace of the reader, so run in the host's.").Default("/proc").String()
	cmd.Flag("nodeport.range", "The NodePort range, the API server's --service-node-port-range, in its syntax: 30000-32767 or 30000+2767.").Default("30000-32767").
		SetValue(namedValue{"nodeport.range", (*nodePortRangeValue)(&f.nodePortRange)})
	f.kubernetes = cmd.Flag("nodeport.kubernetes", "Learn allocated NodePorts from the Services of type NodePort and LoadBalancer, watched through the Kubernetes API.").Bool()
	f.kubeconfig = cmd.Flag("kubeconfig", "kubeconfig file for --nodeport.kubernetes; without it, the in-cluster configuration of the pod.").String()
	f.ipvs = cmd.Flag("nodeport.ipvs", "Learn allocated NodePorts from the IPVS virtual services on this node's addresses (/proc/net/ip_vs). Default: on where that file exists.").
		IsSetByUser(&f.ipvsSetByUser).Bool()
	cmd.Flag("nodeport.static", "NodePorts known to be allocated, as ports and ranges: 30080,31000-31010.").PlaceHolder("PORTS").
		SetValue(namedValue{"nodeport.static", &f.static})
	f.timeWaitTop = cmd.Flag("collector.timewait.top", "How many remote endpoints with the most TIME_WAIT sockets to export.").Default("5").Int()
	return f
}

// ShareKubeconfig tells that flag, when *on, also connects to the API with
// --kubeconfig (as serve's --shadow.pods does).
func (f *Flags) ShareKubeconfig(flag string, on *bool) {
	if f.otherUsers == nil {
		f.otherUsers = map[string]*bool{}
	}
	f.otherUsers[flag] = on
}

// Kubeconfig is --kubeconfig, for the other flags that share it.
func (f *Flags) Kubeconfig() string { return *f.kubeconfig }

func (f *Flags) kubeconfigUsedElsewhere() bool {
	for _, on := range f.otherUsers {
		if *on {
			return true
		}
	}
	return false
}

func (f *Flags) kubeconfigUsers() []string {
	users := []string{"--nodeport.kubernetes"}
	for flag := range f.otherUsers {
		users = append(users, flag)
	}
	slices.Sort(users[1:])
	return users
}

// Config checks the flags and returns the configuration they give.
func (f *Flags) Config() (Config, error) {
	if *f.timeWaitTop < 0 || *f.timeWaitTop > maxTimeWaitTop {
		return Config{}, fmt.Errorf("--collector.timewait.top=%d: want 0 to %d", *f.timeWaitTop, maxTimeWaitTop)
	}
	if f.nodePortRange.First == 0 {
		return Config{}, fmt.Errorf("--nodeport.range=%s: port 0 is no NodePort; give the API server's --service-node-port-range, such as 30000-32767", f.nodePortRange)
	}
	if *f.kubeconfig != "" && !*f.kubernetes && !f.kubeconfigUsedElsewhere() {
		users := f.kubeconfigUsers()
		add := "add that flag or drop this one"
		if len(users) > 1 {
			add = "add one of them or drop this one"
		}
		return Config{}, fmt.Errorf("--kubeconfig=%s is only used with %s; %s", *f.kubeconfig, strings.Join(users, " or "), add)
	}
	ipvs := IPVSAuto
	if f.ipvsSetByUser {
		ipvs = IPVSOff
		if *f.ipvs {
			ipvs = IPVSOn
		}
	}
	return Config{
		ProcPath:      *f.procPath,
		NodePortRange: f.nodePortRange,
		Kubernetes:    *f.kubernetes,
		Kubeconfig:    *f.kubeconfig,
		IPVS:          ipvs,
		Static:        f.static.set,
		TimeWaitTop:   *f.timeWaitTop,
	}, nil
}

// nodePortRangeValue is the kingpin value of --nodeport.range. It parses
// as the API server parses --service-node-port-range, so the flag takes
// the same text: a range (30000-32767), a base and a size minus one
// (30000+2767), or one port.
type nodePortRangeValue ports.Range

func (v *nodePortRangeValue) Set(s string) error {
	pr, err := utilnet.ParsePortRange(s)
	if err != nil || pr.Size == 0 {
		return fmt.Errorf("%q is not a port range as the API server's --service-node-port-range takes it, such as 30000-32767 or 30000+2767", s)
	}
	*v = nodePortRangeValue{First: uint16(pr.Base), Last: uint16(pr.Base + pr.Size - 1)}
	return nil
}

func (v *nodePortRangeValue) String() string { return (*ports.Range)(v).String() }

// portListValue is the kingpin value of --nodeport.static.
type portListValue struct {
	set ports.Set
}

func (v *portListValue) Set(s string) error {
	set, err := ports.ParseList(s)
	if err != nil {
		return fmt.Errorf("want ports and ranges such as 30080,31000-31010: %w", err)
	}
	v.set = v.set.Union(set)
	return nil
}

func (v *portListValue) String() string { return v.set.String() }

// IsCumulative lets --nodeport.static be given more than once.
func (v *portListValue) IsCumulative() bool { return true }

// namedValue puts the flag's name in front of its value's errors, which
// kingpin does not do for custom values.
type namedValue struct {
	name string
	kingpin.Value
}

func (v namedValue) Set(s string) error {
	if err := v.Value.Set(s); err != nil {
		return fmt.Errorf("--%s: %w", v.name, err)
	}
	return nil
}

// IsCumulative passes the value's own answer on to kingpin.
func (v namedValue) IsCumulative() bool {
	c, ok := v.Value.(interface{ IsCumulative() bool })
	return ok && c.IsCumulative()
}
