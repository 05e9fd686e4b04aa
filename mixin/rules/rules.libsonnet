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
            // Seconds the node's connection churn takes to hand out every
            // port of its ephemeral range once: the range size over the
            // rate of outgoing connections. An estimate: reserved ports
            // shrink the pool and the kernel does not walk it strictly in
            // order. Idle nodes (rate 0) get no series rather than +Inf.
            record: 'instance:kubeprobe_ephemeral_port_wraparound_seconds:rate5m',
            expr: |||
              (
                kubeprobe_ephemeral_port_range_end{%(kubeprobeSelector)s}
                - kubeprobe_ephemeral_port_range_start{%(kubeprobeSelector)s}
                + 1
              )
              /
              (instance:kubeprobe_tcp_active_opens:rate5m{%(kubeprobeSelector)s} > 0)
            ||| % $._config,
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
