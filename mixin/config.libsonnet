{
  _config+:: {
    // Selectors are inserted between {} in every query.
    //
    // The exporter's own /metrics: one target per node (a DaemonSet pod).
    kubeprobeSelector: 'job="kubeprobe"',
    // The /probe scrapes: one target per probed endpoint and module, with
    // blackbox-style relabeling (instance = the probed target). Several
    // probe jobs: use a regex, e.g. 'job=~"kubeprobe_probe.*"'.
    probeSelector: 'job="kubeprobe_probe"',

    // The label naming the node an exporter runs on. The README's scrape
    // configs put it on both jobs; on /probe series it names the node whose
    // exporter ran the probe. Alerts use it when present and fall back to
    // `instance` when not.
    nodeLabel: 'node',
    // Kept by the per-cluster recording rules; absent labels are harmless.
    clusterLabel: 'cluster',

    // KubeprobeProbeResetAfterSynAck, one alert per probing node: one
    // reset in this window is enough, the node answering its own probe's
    // SYN-ACK with a RST is conclusive. It resolves as soon as the node's
    // NodePorts are no longer at risk, without waiting for the window.
    probeResetWindow: '15m',
    probeResetFor: '5m',
    // The step at which the description looks for the source ports of the
    // reset probes: at most the probe scrape interval, or some are missed
    // from the list (the count stays exact).
    probeResetPortsResolution: '10s',

    // KubeprobeNodeHandshakeResetAfterSynAck (--handshakes.watch): it
    // fires on a reset after SYN-ACK of the node's own handshakes and
    // resolves this many seconds after the last one.
    nodeHandshakeResetWindowSeconds: 900,
    nodeHandshakeResetFor: '1m',
    nodeHandshakeResetSeverity: 'warning',

    // KubeprobeProbeRefused: every probe in probeWindow refused, for
    // probeRefusedFor.
    probeWindow: '5m',
    probeRefusedFor: '10m',
    // KubeprobeProbeRefusedWhileStarting: a refusal this far back, followed
    // by connections accepted for probeStartedFor, counts as start-up.
    probeStartingWindow: '30m',
    probeStartedFor: '5m',

    // KubeprobeShadowWouldRestart: a liveness or startup probe of the
    // shadow reached failureThreshold in this window. Restarts are rare
    // and each one costs a start-up, so one is enough.
    shadowRestartWindow: '15m',
    shadowRestartFor: '1m',
    // KubeprobeShadowStartupOverdue: a start-up longer than its probe's
    // budget, seen or under way, for this long.
    shadowStartupFor: '2m',

    // KubeprobeProbeTimingOut / KubeprobeProbeFailingOnStatus.
    probeFailingFor: '5m',
    // A failed probe that used at least this fraction of its timeout ran
    // out of time. The probe's clock starts a hair after its deadline is
    // set, so a timed-out probe reports a duration just under its timeout.
    probeTimeoutFraction: 0.99,

    // KubeprobeNodePortsAtRisk and KubeprobeNodePortRangeOverlapsEphemeral:
    // configuration state, which changes only when a sysctl, a Service or a
    // listener does.
    nodePortsAtRiskFor: '15m',
    nodePortOverlapFor: '1h',

    // KubeprobeSourcePortsExhausting: the share of the ports connect(2)
    // picks from first that TIME_WAIT sockets to one destination hold and
    // may not reuse. At 1 new connections to it take the other parity, at
    // 2 they fail (docs/collector.md, "Connection churn", has the lab's
    // measurements). The default warns at half the way to the first.
    sourcePortsExhaustingThreshold: 0.5,
    sourcePortsExhaustingFor: '15m',

    // Exporter health.
    exporterDownFor: '15m',
    exporterDegradedFor: '15m',
    configReloadFor: '10m',

    // Severities: critical pages, warning goes to a ticket queue, info is
    // routed nowhere (see the monitoring-mixins style guide).
    nodePortsAtRiskSeverity: 'warning',
    nodePortOverlapSeverity: 'info',
    probeSeverity: 'warning',
    probeStartingSeverity: 'warning',
    shadowSeverity: 'warning',
    sourcePortsExhaustingSeverity: 'warning',
    exporterSeverity: 'warning',

    // Where `kubeprobe_exporter check` persists its fix (collector.PersistFile).
    persistFile: '/etc/sysctl.d/90-kubeprobe-reserved-ports.conf',

    // Every alert gets runbook_url = runbookURLPattern % <alert name, lower case>.
    runbookURLPattern: 'https://github.com/kubeprobe/kubeprobe_exporter/blob/main/mixin/runbook.md#%s',

    // Dashboards.
    dashboardUID: 'kubeprobe-overview',
    dashboardTitle: 'Kubeprobe / Overview',
    dashboardTags: ['kubeprobe', 'kubeprobe-mixin'],
    dashboardRefresh: '30s',
    dashboardTimeFrom: 'now-6h',

    // The TIME_WAIT sockets to each top destination whose ports new
    // connections to it may not reuse (tcp_tw_reuse: 1 reuses all of
    // them, 2 those of loopback destinations). One place, for the
    // recording rule and KubeprobeSourcePortsExhausting's description.
    unreusableTimeWait: |||
      (
        kubeprobe_tcp_time_wait_top_destinations{%(kubeprobeSelector)s}
        unless on (job, instance) (kubeprobe_sysctl_tcp_tw_reuse{%(kubeprobeSelector)s} == 1)
        unless (
          kubeprobe_tcp_time_wait_top_destinations{%(kubeprobeSelector)s, destination=~"127[.].+|\\[::1\\]:.+"}
          and on (job, instance) (kubeprobe_sysctl_tcp_tw_reuse{%(kubeprobeSelector)s} == 2)
        )
      )
    |||,

    // Used in descriptions: the node an alert is about, by name when the
    // node label is there, else by the exporter's address.
    nodeName: '{{ with $labels.%(nodeLabel)s }}{{ . }}{{ else }}{{ $labels.instance }}{{ end }}' % self,
    // The probe an alert is about.
    probeName: '{{ $labels.instance }}{{ with $labels.module }} (module {{ . }}){{ end }}{{ with $labels.%(nodeLabel)s }} from node {{ . }}{{ end }}' % self,
  },
}
