// Kubeprobe / Overview: from what the probes saw down to the node's port
// configuration that explains it.
//
// The two jobs split the variables: job, module and target pick /probe
// series (whose instance is the probed target); instance picks the
// exporters, one per node, whose /metrics feed the node panels.
local lib = import 'lib.libsonnet';

{
  grafanaDashboards+:: {
    local c = $._config,
    // Matchers for the panels of probes and of nodes.
    local P = '%s, job=~"$job", module=~"$module", instance=~"$target"' % c.probeSelector,
    local N = '%s, instance=~"$instance"' % c.kubeprobeSelector,
    local fmt(s) = s % { P: P, N: N },

    local probes = {
      title: 'Probes',
      lines: [
        {
          h: 8,
          panels: [
            lib.timeseries(
              'Probe success',
              'Fraction of probes that kubelet would count as passed (success or warning).',
              [lib.query(fmt('avg by (instance, module) (avg_over_time(probe_success{%(P)s}[$__rate_interval]))'), '{{instance}} {{module}}')],
              unit='percentunit',
              min=0,
              max=1,
            ) + lib.width(12),
            lib.timeseries(
              'Probe duration',
              'Longest probe in each interval, against the timeout it ran with.',
              [
                lib.query(fmt('max by (instance, module) (max_over_time(probe_duration_seconds{%(P)s}[$__rate_interval]))'), '{{instance}} {{module}}'),
                lib.query(fmt('max by (instance, module) (max_over_time(probe_timeout_seconds{%(P)s}[$__rate_interval]))'), 'timeout {{instance}} {{module}}'),
              ],
              unit='s',
            ) + lib.width(12),
          ],
        },
        {
          h: 9,
          panels: [
            lib.timeseries(
              'Handshake outcomes by target',
              'Probes in each interval by how their TCP handshake ended. reset_after_synack: the probing node reset the SYN-ACK (a NodePort owns the source port); synack_dropped: nothing answered it; timeout: no SYN-ACK at all.',
              [lib.query(fmt('sum by (instance, outcome) (sum_over_time(probe_tcp_handshake_outcome{%(P)s}[$__rate_interval])) > 0'), '{{instance}} {{outcome}}')],
              stack=true,
              style='bars',
            ) + lib.width(12),
            lib.timeseries(
              'Source ports of failing probes',
              'The source port each failing probe used, against the NodePort range of the selected nodes: failures that cluster inside the range point at a source-port collision.',
              [
                lib.query(fmt('probe_tcp_source_port{%(P)s} and probe_success{%(P)s} == 0'), '{{instance}} {{module}}'),
                lib.query(fmt('min(kubeprobe_nodeport_range_start{%(N)s})'), 'NodePort range start'),
                lib.query(fmt('max(kubeprobe_nodeport_range_end{%(N)s})'), 'NodePort range end'),
              ],
              unit='none',
              style='points',
            ) + lib.width(12) + {
              fieldConfig+: { overrides: [{
                matcher: { id: 'byRegexp', options: '^NodePort range' },
                properties: [
                  { id: 'custom.drawStyle', value: 'line' },
                  { id: 'custom.showPoints', value: 'never' },
                  { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
                ],
              }] },
            },
          ],
        },
        {
          h: 8,
          panels: [
            lib.timeseries(
              'SYNs and RSTs per probe',
              'Most SYNs sent (retransmissions included) and RSTs sent or received by one probe in each interval. The collision shows as SYN 2+ with as many RSTs sent: SYN, SYN-ACK, RST from this node, SYN again a second later.',
              [
                lib.query(fmt('max by (instance, module) (max_over_time(probe_tcp_syn_sent{%(P)s}[$__rate_interval]))'), 'SYN sent {{instance}} {{module}}'),
                lib.query(fmt('max by (instance, module) (max_over_time(probe_tcp_rst_sent{%(P)s}[$__rate_interval]))'), 'RST sent {{instance}} {{module}}'),
                lib.query(fmt('max by (instance, module) (max_over_time(probe_tcp_rst_received{%(P)s}[$__rate_interval]))'), 'RST received {{instance}} {{module}}'),
              ],
            ) + lib.width(12),
            lib.timeseries(
              'Source-port sweeps',
              'Ports of each sweep by outcome. A sweep over the NodePort range that ends in reset_after_synack has found the ports something on the node owns.',
              [lib.query(fmt('max by (instance, module, outcome) (max_over_time(probe_source_port_sweep_outcome_ports{%(P)s}[$__rate_interval])) > 0'), '{{instance}} {{module}} {{outcome}}')],
              stack=true,
              style='bars',
            ) + lib.width(12),
          ],
        },
      ],
    },

    local ranges = {
      title: 'Port ranges and NodePorts',
      lines: [
        {
          h: 7,
          panels: [
            lib.table(
              'Port ranges by node',
              'The ephemeral range the kernel picks source ports from, the ports reserved out of it, the NodePort range, how much of it the kernel may pick (overlap), and the allocated NodePorts it may pick right now (at risk).',
              [
                lib.query(fmt('max by (instance, %s) (kubeprobe_ephemeral_port_range_start{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_ephemeral_port_range_end{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_ephemeral_reserved_ports{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_nodeport_range_start{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_nodeport_range_end{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_nodeport_range_ephemeral_overlap_ports{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_nodeports_at_risk{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_sysctl_tcp_tw_reuse{%%(N)s})' % c.nodeLabel), instant=true),
                lib.query(fmt('max by (instance, %s) (kubeprobe_sysctl_nf_conntrack_tcp_timeout_time_wait_seconds{%%(N)s})' % c.nodeLabel), instant=true),
              ],
              {
                A: 'Ephemeral start',
                B: 'Ephemeral end',
                C: 'Reserved ports',
                D: 'NodePort start',
                E: 'NodePort end',
                F: 'Overlap ports',
                G: 'NodePorts at risk',
                H: 'tcp_tw_reuse',
                I: 'conntrack TIME_WAIT (s)',
              },
            ) + lib.width(24),
          ],
        },
        {
          h: 8,
          panels: [
            lib.timeseries(
              'NodePorts at risk',
              'Allocated NodePorts inside the ephemeral range, not reserved and not held by a listener: ports the kernel may hand out as a source port right now. Anything above 0 is KubeprobeNodePortsAtRisk.',
              [lib.query(fmt('max by (instance) (kubeprobe_nodeports_at_risk{%(N)s})'), '{{instance}}')],
            ) + lib.width(8) + lib.withThreshold(1, redBelow=false),
            lib.timeseries(
              'Collision chance per connection',
              'The chance that one connection from the node, a kubelet probe among them, draws an allocated NodePort at risk as its source port: the ones of the parity connect() picks first over the ports it picks from. Connection churn does not change it; reserving the NodePorts makes it 0.',
              [lib.query(fmt('max by (instance) (instance:kubeprobe_nodeport_collision_chance:ratio{%(N)s})'), '{{instance}}')],
              unit='percentunit',
            ) + lib.width(8),
            lib.timeseries(
              'Allocated NodePorts by source',
              'NodePorts known to be allocated, from the Kubernetes API, the IPVS table and the static list.',
              [lib.query(fmt('max by (instance, source) (kubeprobe_nodeports_allocated{%(N)s})'), '{{instance}} {{source}}')],
            ) + lib.width(8),
          ],
        },
      ],
    },

    local churn = {
      title: 'TIME_WAIT and churn',
      lines: [
        {
          h: 8,
          panels: [
            lib.timeseries(
              'TIME_WAIT sockets by source-port range',
              'Sockets in TIME_WAIT by where their local port lies: the ephemeral range, the NodePort range, or elsewhere.',
              [lib.query(fmt('sum by (instance, range) (kubeprobe_tcp_time_wait_sockets_by_range{%(N)s})'), '{{instance}} {{range}}')],
              stack=true,
            ) + lib.width(12),
            lib.bargauge(
              'Top TIME_WAIT destinations',
              'The remote endpoints with the most TIME_WAIT sockets now. One destination far ahead of the rest is a client opening a connection per request (in the incident, node-local-dns checking its own health every second).',
              [lib.query(fmt('topk(10, max by (instance, destination) (kubeprobe_tcp_time_wait_top_destinations{%(N)s}))'), '{{destination}} on {{instance}}', instant=true)],
            ) + lib.width(12),
          ],
        },
        {
          h: 8,
          panels: [
            lib.timeseries(
              'Connection churn',
              'Outgoing TCP connections opened per second (Tcp ActiveOpens). Churn uses up the source ports for its own destination (next panel); it does not make NodePort collisions likelier.',
              [lib.query(fmt('sum by (instance) (rate(kubeprobe_tcp_active_opens_total{%(N)s}[$__rate_interval]))'), '{{instance}}')],
              unit='cps',
            ) + lib.width(12),
            lib.timeseries(
              'Source ports held by the busiest destination',
              "The share of the ports connect() picks from first that the TIME_WAIT sockets to one destination hold, and tcp_tw_reuse does not let it reuse. At 100% new connections to it take the other parity, at 200% they fail. Above the dashed line is KubeprobeSourcePortsExhausting. Churn does not make NodePort collisions likelier: see 'Collision chance per connection'.",
              [lib.query(fmt('max by (instance) (instance:kubeprobe_connect_ports_held_by_top_destination:ratio{%(N)s})'), '{{instance}}')],
              unit='percentunit',
            ) + lib.width(12) + lib.withThreshold(c.sourcePortsExhaustingThreshold, redBelow=false),
          ],
        },
      ],
    },

    // The kubelet shadow: start-ups learned and what kubelet would do,
    // per container and probe of the node's pods (and scheduled entries).
    local byProbe = 'instance, namespace, pod, container, probe_type',
    local sh(q) = fmt(q) % { by: byProbe },
    local shadow = {
      title: 'Kubelet shadow',
      lines: [
        {
          h: 8,
          panels: [
            lib.timeseries(
              'Start-up time',
              "Seconds from a container's start until its probe first succeeded (kubeprobe_shadow_time_to_first_success_seconds): the median and 90th percentile of the start-ups in each interval, a point per interval with one; the line is the probe's budget, initialDelaySeconds + (failureThreshold − 1) × periodSeconds. Points above their line are KubeprobeShadowStartupOverdue: the probe's schedule does not cover the start-up.",
              [
                lib.query(sh('histogram_quantile(0.5, sum by (%%(by)s, le) (increase(kubeprobe_shadow_time_to_first_success_seconds_bucket{%(N)s}[$__rate_interval])))'), 'p50 {{namespace}}/{{pod}} {{container}} {{probe_type}}'),
                lib.query(sh('histogram_quantile(0.9, sum by (%%(by)s, le) (increase(kubeprobe_shadow_time_to_first_success_seconds_bucket{%(N)s}[$__rate_interval])))'), 'p90 {{namespace}}/{{pod}} {{container}} {{probe_type}}'),
                lib.query(sh('max by (%%(by)s) (kubeprobe_shadow_startup_budget_seconds{%(N)s})'), 'budget {{namespace}}/{{pod}} {{container}} {{probe_type}}'),
              ],
              unit='s',
              style='points',
              min=0,
            ) + lib.width(12) + {
              // The budgets are lines, the start-ups points.
              fieldConfig+: { overrides: [{
                matcher: { id: 'byFrameRefID', options: 'C' },
                properties: [
                  { id: 'custom.drawStyle', value: 'line' },
                  { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
                ],
              }] },
            },
            lib.timeseries(
              'Restarts kubelet would make',
              'Times a liveness or startup probe of the shadow reached failureThreshold, so that kubelet, probing the same way, restarts the container (KubeprobeShadowWouldRestart).',
              [lib.query(sh('sum by (%%(by)s) (increase(kubeprobe_shadow_would_restart_total{%(N)s}[$__rate_interval]))'), '{{namespace}}/{{pod}} {{container}} {{probe_type}}')],
              style='bars',
              min=0,
            ) + lib.width(12),
          ],
        },
        {
          h: 8,
          panels: [
            lib.table(
              'Shadowed probes',
              "Each probe the exporter runs on kubelet's schedule: whether kubelet would hold it as passing, its failures in a row, its budget, the longest start-up seen and, when that exceeds the budget, the initialDelaySeconds or the startupProbe failureThreshold (at the probe's periodSeconds) that covers it with a quarter to spare, as `kubeprobe_exporter shadow` prints them.",
              [
                lib.query(sh('max by (%%(by)s) (kubeprobe_shadow_ready{%(N)s})'), instant=true),
                lib.query(sh('max by (%%(by)s) (kubeprobe_shadow_consecutive_failures{%(N)s})'), instant=true),
                lib.query(sh('max by (%%(by)s) (kubeprobe_shadow_startup_budget_seconds{%(N)s})'), instant=true),
                lib.query(sh('max by (%%(by)s) (kubeprobe_shadow_startup_longest_seconds{%(N)s})'), instant=true),
                lib.query(sh('max by (%%(by)s) (kubeprobe_shadow_recommended_initial_delay_seconds{%(N)s})'), instant=true),
                lib.query(sh('max by (%%(by)s) (kubeprobe_shadow_recommended_startup_failure_threshold{%(N)s})'), instant=true),
              ],
              {
                A: 'Ready',
                B: 'Failures in a row',
                C: 'Budget (s)',
                D: 'Longest start-up (s)',
                E: 'Recommended initialDelaySeconds',
                F: 'Recommended startupProbe failureThreshold',
              },
            ) + lib.width(24),
          ],
        },
      ],
    },

    local exporter = {
      title: 'Exporter',
      lines: [
        {
          h: 8,
          panels: [
            lib.stateTimeline(
              'Exporter health',
              'Scrape, packet capture (without it handshake verdicts come from errno alone), the last configuration reload, and each collector source.',
              [
                lib.query(fmt('max by (instance) (up{%(N)s})'), 'scrape {{instance}}'),
                lib.query(fmt('max by (instance) (kubeprobe_exporter_trace_available{%(N)s})'), 'tracing {{instance}}'),
                lib.query(fmt('max by (instance) (kubeprobe_exporter_config_last_reload_successful{%(N)s})'), 'config {{instance}}'),
                lib.query(fmt('max by (instance, collector) (kubeprobe_exporter_collector_success{%(N)s})'), '{{collector}} {{instance}}'),
              ],
            ) + lib.width(12),
            lib.timeseries(
              'Probes run',
              'Probes per second the exporters ran, by module and result.',
              [lib.query(fmt('sum by (module, result) (rate(kubeprobe_exporter_probes_total{%(N)s}[$__rate_interval]))'), '{{module}} {{result}}')],
              unit='ops',
              stack=true,
            ) + lib.width(12),
          ],
        },
      ],
    },

    'kubeprobe-overview.json': {
      uid: c.dashboardUID,
      title: c.dashboardTitle,
      tags: c.dashboardTags,
      editable: true,
      graphTooltip: 1,
      schemaVersion: 39,
      time: { from: c.dashboardTimeFrom, to: 'now' },
      refresh: c.dashboardRefresh,
      timezone: '',
      annotations: { list: [] },
      links: [],
      templating: {
        list: [
          lib.datasourceVariable,
          lib.queryVariable('job', 'Probe job', 'label_values(probe_success{%s}, job)' % c.probeSelector),
          lib.queryVariable('instance', 'Exporter', 'label_values(up{%s}, instance)' % c.kubeprobeSelector),
          // '.*': series from scrape configs without the module label.
          lib.queryVariable('module', 'Module', 'label_values(probe_success{%s, job=~"$job"}, module)' % c.probeSelector, allValue='.*'),
          lib.queryVariable('target', 'Target', 'label_values(probe_success{%s, job=~"$job", module=~"$module"}, instance)' % c.probeSelector),
        ],
      },
      panels: lib.grid([probes, ranges, churn, shadow, exporter]),
    },
  },
}
