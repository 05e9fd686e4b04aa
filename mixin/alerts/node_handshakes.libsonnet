// What the passive watch (--handshakes.watch) saw of the node's own
// handshakes: kubelet's probes of this node's pods reset after SYN-ACK,
// with no probe of the exporter's.

// Who was reset: kubelet's probe of a pod of the node, or another local
// process's handshake, by the far end's port class.
local whose = std.join('', [
  "{{ if $labels.pod }}kubelet's {{ $labels.probe }} probe of {{ $labels.namespace }}/{{ $labels.pod }} (container {{ $labels.container }})",
  '{{ else }}a handshake of a process on the node to a {{ $labels.remote_port_class }} port, which no probe of its pods targets,{{ end }}',
]);
// The source port, told apart as an allocated NodePort and named by its
// owner as the NodePort sources name it: a Service (namespace/name), an
// IPVS service, --nodeport.static.
local sourcePort = std.join('', [
  'from source port {{ $value }}',
  '{{ if eq $labels.nodeport "true" }}, an allocated NodePort{{ with $labels.owner }} ({{ . }}){{ end }}',
  '{{ else if eq $labels.nodeport "false" }}, which is not an allocated NodePort (a hostPort, a firewall rule or another owner)',
  '{{ end }}',
]);
{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-node-handshakes',
        rules: [
          {
            // One alert per node, about the last reset: the series of the
            // last source port carries its probe, port and Service. One
            // reset is conclusive, so it fires a minute after the first
            // and resolves a window after the last, whether or not a
            // synthetic probe was configured.
            alert: 'KubeprobeNodeHandshakeResetAfterSynAck',
            expr: |||
              kubeprobe_node_handshakes_reset_after_synack_last_source_port{%(kubeprobeSelector)s}
              and ignoring (namespace, pod, container, probe, remote_port_class, nodeport, owner)
              (time() - kubeprobe_node_handshakes_reset_after_synack_last_timestamp_seconds{%(kubeprobeSelector)s} < %(nodeHandshakeResetWindowSeconds)d)
            ||| % $._config,
            'for': $._config.nodeHandshakeResetFor,
            labels: { severity: $._config.nodeHandshakeResetSeverity },
            annotations: {
              summary: "The node reset the SYN-ACK of one of its own handshakes, kubelet's probes among them: a source-port collision.",
              description: std.join(' ', [
                'On node %(nodeName)s, %(whose)s was reset after SYN-ACK %(sourcePort)s:',
                'the far end answered, and the node itself answered its SYN-ACK with a RST because something on the node owns the source port the kernel had given the connection.',
                'kubelet logs such a probe as a timeout ("context deadline exceeded").',
                'With KubeprobeNodePortsAtRisk on the same node the cause is the ephemeral port range overlapping allocated NodePorts.',
                'Fix: run `kubeprobe_exporter check` on the node and apply the sysctl it prints (%(atRiskRunbook)s); the landing page of the exporter lists the last resets with their timelines.',
              ]) % ($._config {
                      whose: whose,
                      sourcePort: sourcePort,
                      atRiskRunbook: $._config.runbookURLPattern % 'kubeprobenodeportsatrisk',
                    }),
            },
          },
        ],
      },
    ],
  },
}
