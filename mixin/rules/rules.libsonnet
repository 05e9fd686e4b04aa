// Names follow level:metric:operations. The 5m windows are fixed because
// they are in the names.
{
  prometheusRules+:: {
    groups+: [
      {
        name: 'kubeprobe-probe.rules',
        rules: [
          {
            // The fraction of probes of each target and module, from every
            // probing node together, that ended in each handshake outcome.
            // Every probe reports every outcome series (1 for what
            // happened), so the sample count is the probe count.
            record: 'instance_module_outcome:probe_tcp_handshake_outcome:ratio5m',
            expr: |||
              sum by (%(clusterLabel)s, job, instance, module, outcome) (
                sum_over_time(probe_tcp_handshake_outcome{%(probeSelector)s}[5m])
              )
              /
              sum by (%(clusterLabel)s, job, instance, module, outcome) (
                count_over_time(probe_tcp_handshake_outcome{%(probeSelector)s}[5m])
              )
            ||| % $._config,
          },
        ],
      },
      {
        name: 'kubeprobe-node.rules',
        rules: [
          {
            record: 'instance:kubeprobe_tcp_active_opens:rate5m',
            expr: |||
              rate(kubeprobe_tcp_active_opens_total{%(kubeprobeSelector)s}[5m])
            ||| % $._config,
          },
          {
            // The chance that one connection from the node, a kubelet
            // probe's among them, draws an allocated NodePort at risk: the
            // ones of connect(2)'s first parity over the ports it picks
            // from. Churn does not change it (docs/collector.md,
            // "Connection churn"). No series when every port is reserved.
            record: 'instance:kubeprobe_nodeport_collision_chance:ratio',
            expr: |||
              kubeprobe_nodeports_at_risk_for_connect{%(kubeprobeSelector)s}
              /
              (kubeprobe_ephemeral_connect_ports{%(kubeprobeSelector)s} > 0)
            ||| % $._config,
          },
          {
            // The share of the ports connect(2) picks from first that the
            // TIME_WAIT sockets to the busiest destination hold: at 1 new
            // connections to it take the other parity, at 2 they fail.
            // TIME_WAIT ports that tcp_tw_reuse lets new connections to the
            // same destination reuse do not count: all with 1, those of a
            // loopback destination with 2.
            record: 'instance:kubeprobe_connect_ports_held_by_top_destination:ratio',
            expr: |||
              max without (destination) (%(unreusable)s)
              /
              (kubeprobe_ephemeral_connect_ports{%(kubeprobeSelector)s} > 0)
            ||| % ($._config { unreusable: $._config.unreusableTimeWait % $._config }),
          },
        ],
      },
      {
        name: 'kubeprobe-cluster.rules',
        rules: [
          {
            // NodePorts are allocated cluster-wide and every node holds all
            // of them, so a sum over nodes would count each port once per
            // node: the worst node's count is the cluster's exposure...
            record: 'cluster:kubeprobe_nodeports_at_risk:max',
            expr: |||
              max by (%(clusterLabel)s) (kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s})
            ||| % $._config,
          },
          {
            // ...and the number of nodes where it is non-zero its spread.
            record: 'cluster:kubeprobe_nodes_with_nodeports_at_risk:count',
            expr: |||
              count by (%(clusterLabel)s) (kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s} > 0)
            ||| % $._config,
          },
        ],
      },
    ],
  },
}
