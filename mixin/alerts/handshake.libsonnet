// What the handshake tracer saw: a SYN-ACK reset by the probing node itself
// (the second incident), and a target refusing connections, while starting
// (the first incident) or for good.

// The resets of one probing node's probes: per node, since the cause is
// the node's (its NodePorts), not the targets'. Sweeps probe from
// NodePorts on purpose: a reset there is the sweep's finding, reported on
// the dashboard, not an incident. `node` is %%(nodeLabel)s, a Go printf
// verb for the description's queries, or a label matcher.
local resets(c, node) = |||
  sum_over_time(probe_tcp_handshake_outcome{%(probeSelector)s, outcome="reset_after_synack"%(node)s}[%(probeResetWindow)s])
  unless ignoring(outcome)
  probe_source_port_sweep_ports{%(probeSelector)s%(node)s}
||| % (c { node: node });

// The description's parts, each a query about the alerting node; the
// node label's value is the alert's, empty for probes scraped without it,
// which `node=""` then selects.
local onNode(c) = ', %(nodeLabel)s=%%[1]q' % c;
local targets(c) = std.join('', [
  '{{ with printf `count(sum by (instance, module) (%(resets)s) > 0)` $labels.%(nodeLabel)s | query }}',
  '{{ $n := . | first | value }} of {{ $n }} target{{ if ne $n 1.0 }}s{{ end }}',
  '{{ end }}',
]) % (c { resets: std.strReplace(resets(c, onNode(c)), '\n', ' ') });
// The source ports of the reset probes, and how many of them the
// exporter's NodePort sources know (probe_tcp_source_port_nodeport; absent
// without a source, and then not said).
// The subquery's steps see each sample of a scrape interval no longer than
// the resolution; `or` adds the latest ones, which no step may follow yet.
local resetPorts(c, known) =
  local reset = 'count_values("port", probe_tcp_source_port{%(probeSelector)s%(node)s} and ignoring(outcome) (probe_tcp_handshake_outcome{%(probeSelector)s, outcome="reset_after_synack"%(node)s} == 1)%(known)s)' % (c { node: onNode(c), known: known });
  'count by (port) (count_over_time(%(reset)s[%(probeResetWindow)s:%(probeResetPortsResolution)s]) or %(reset)s)' % (c { reset: reset });
local sourcePorts(c) = std.join('', [
  '{{ with printf `topk(10, %(ports)s)` $labels.%(nodeLabel)s | query }}',
  'Source ports seen on the reset probes: {{ range $i, $s := sortByLabel "port" . }}{{ if $i }}, {{ end }}{{ $s.Labels.port }}{{ end }}',
  '{{ with printf `count(%(knownPorts)s)` $labels.%(nodeLabel)s | query }}; allocated NodePorts the exporter knows among them: {{ . | first | value }}{{ end }}. ',
  '{{ end }}',
]) % (c {
        ports: resetPorts(c, ''),
        knownPorts: resetPorts(c, ' and probe_tcp_source_port_nodeport{%(probeSelector)s%(node)s} == 1' % (c { node: onNode(c) })),
      });
local atRiskNow(c) = std.join('', [
  '{{ with printf `kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s%(node)s}` $labels.%(nodeLabel)s | query }}{{ $atRisk := . | first | value }}',
  '{{ if gt $atRisk 0.0 }}The node has {{ $atRisk }} NodePorts at risk now (KubeprobeNodePortsAtRisk): the kernel hands them out as source ports and IPVS or kube-proxy resets the answers. ',
  '{{ else }}The exporter on the node knows no NodePort at risk: what owns these ports is not among its NodePort sources (turn on --nodeport.kubernetes), or it is a hostPort or a firewall rule. ',
  '{{ end }}{{ end }}',
]) % (c { node: onNode(c) });

{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-handshake',
        rules: [
          {
            // One alert per probing node: how many probes, of how many
            // targets, from which source ports. It resolves once the
            // node's exporter sees no NodePort at risk after having seen
            // some in the window, rather than when the last reset leaves
            // it: the fix took. Resets with nothing known at risk keep it
            // for the window, since their owner is unknown.
            alert: 'KubeprobeProbeResetAfterSynAck',
            expr: |||
              sum by (%(clusterLabel)s, %(nodeLabel)s) (
                %(resets)s
              ) > 0
              unless on (%(clusterLabel)s, %(nodeLabel)s) (
                kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s} == 0
                and
                max_over_time(kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s}[%(probeResetWindow)s]) > 0
              )
            ||| % ($._config { resets: std.strReplace(std.rstripChars(resets($._config, ''), '\n'), '\n', '\n  ') }),
            'for': $._config.probeResetFor,
            labels: { severity: $._config.probeSeverity },
            annotations: {
              summary: 'The probing node reset the SYN-ACKs of its own probes: a source-port collision with a NodePort.',
              description: std.join(' ', [
                'In the last %(probeResetWindow)s, node %(resetNode)s answered with a RST the SYN-ACKs of {{ $value }} probe{{ if ne $value 1.0 }}s{{ end }}%(targets)s:',
                'the kernel had given them source ports that something on the node owns, almost always an allocated NodePort, because net.ipv4.ip_local_port_range overlaps the NodePort range.',
                'They timed out as kubelet\'s do ("awaiting headers"), and kubelet\'s own probes from the node collide the same way.',
                '%(sourcePorts)s%(atRiskNow)sFix: run `kubeprobe_exporter check` on the node and apply the sysctl it prints, which reserves the NodePort range and the NodePorts at risk (%(atRiskRunbook)s);',
                '/probe?debug=true names the NodePort and its Service. This alert resolves once the node has no NodePort at risk.',
              ]) % ($._config {
                      resetNode: '{{ with $labels.%(nodeLabel)s }}{{ . }}{{ else }}(probes scraped without the %(nodeLabel)s label){{ end }}' % $._config,
                      targets: targets($._config),
                      sourcePorts: sourcePorts($._config),
                      atRiskNow: atRiskNow($._config),
                      atRiskRunbook: $._config.runbookURLPattern % 'kubeprobenodeportsatrisk',
                    }),
            },
          },
          {
            // Refused on every probe: nothing listens, and nothing suggests
            // it is about to.
            alert: 'KubeprobeProbeRefused',
            expr: |||
              min_over_time(probe_tcp_handshake_outcome{%(probeSelector)s, outcome="refused"}[%(probeWindow)s]) == 1
            ||| % $._config,
            'for': $._config.probeRefusedFor,
            labels: { severity: $._config.probeSeverity },
            annotations: {
              summary: 'The probed target refuses connections: nothing listens on the port.',
              description: std.join(' ', [
                'Every probe of %(probeName)s for at least %(probeRefusedFor)s was refused: its host answered the SYN with a RST, so the host is up and nothing listens on the port.',
                'The process has exited or not started, listens on another port, or binds only 127.0.0.1 instead of the pod IP.',
                "Compare the port in the probe with what the container listens on (`ss -ltn` in its network namespace) and read the container's logs; kubelet's probe of the same port fails the same way.",
              ]) % $._config,
            },
          },
          {
            // The first incident: refused until the process listens, then
            // fine. The value is how many probes were refused, which at the
            // probe interval is roughly how long start-up took.
            alert: 'KubeprobeProbeRefusedWhileStarting',
            expr: |||
              sum_over_time(probe_tcp_handshake_outcome{%(probeSelector)s, outcome="refused"}[%(probeStartingWindow)s]) > 0
              and ignoring(outcome)
              probe_tcp_handshake_outcome{%(probeSelector)s, outcome="established"} == 1
            ||| % $._config,
            'for': $._config.probeStartedFor,
            labels: { severity: $._config.probeStartingSeverity },
            annotations: {
              summary: 'The probed target refused connections while starting, then began accepting them.',
              description: std.join(' ', [
                'In the last %(probeStartingWindow)s, {{ $value }} of the probes of %(probeName)s were refused before it started accepting connections: it was not listening yet.',
                'At the probe interval that is roughly how long it takes to start.',
                "Whether kubelet's own probes failed too depends on their schedule: a probe that waits out the start-up (initialDelaySeconds, or a startupProbe whose (failureThreshold − 1) × periodSeconds covers it) never saw the refusals, while a liveness probe that did restarts the container before it listens.",
                "With --shadow.pods the exporter on the pod's node runs the pod's own probes on kubelet's schedule: `kubeprobe_exporter shadow` there, and KubeprobeShadowWouldRestart or KubeprobeShadowStartupOverdue, say whether they cover this start-up and which initialDelaySeconds or startupProbe would.",
              ]) % $._config,
            },
          },
        ],
      },
    ],
  },
}
