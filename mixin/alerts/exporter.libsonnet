// The exporter's own health: each of these leaves some other alert of this
// mixin blind, and the descriptions say which.
{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-exporter',
        rules: [
          {
            // Not when the capture was turned off on purpose
            // (--no-tracing.handshakes sets trace_enabled to 0).
            alert: 'KubeprobeHandshakeTracingUnavailable',
            expr: |||
              kubeprobe_exporter_trace_available{%(kubeprobeSelector)s} == 0
              unless on(job, instance)
              kubeprobe_exporter_trace_enabled{%(kubeprobeSelector)s} == 0
            ||| % $._config,
            'for': $._config.exporterDegradedFor,
            labels: { severity: $._config.exporterSeverity },
            annotations: {
              summary: 'The exporter cannot capture packets, so handshake verdicts come from errno alone.',
              description: std.join(' ', [
                'The exporter on node %(nodeName)s runs without its packet capture.',
                'Its probes still run, but a SYN-ACK reset or dropped by the node reads as a plain timeout, so KubeprobeProbeResetAfterSynAck cannot fire for probes from this node.',
                'Give it CAP_NET_RAW: in Kubernetes run the container as root with capabilities.add: [NET_RAW] (deploy/kubernetes does), in the host network namespace; its log says at start-up why the capture did not start.',
              ]) % $._config,
            },
          },
          {
            // max_over_time: a restart between two failed reloads does not
            // reset the alert.
            alert: 'KubeprobeConfigReloadFailed',
            expr: |||
              max_over_time(kubeprobe_exporter_config_last_reload_successful{%(kubeprobeSelector)s}[5m]) == 0
            ||| % $._config,
            'for': $._config.configReloadFor,
            labels: { severity: $._config.exporterSeverity },
            annotations: {
              summary: 'The exporter failed to reload its configuration.',
              description: std.join(' ', [
                'The exporter on node %(nodeName)s could not load its configuration file; it keeps probing with the modules it had, so new or changed modules are not in effect.',
                "Run `kubeprobe_exporter --config.check --config.file=<file>` on the file, or read the error in the exporter's log, which names the line and key; fix it and reload (SIGHUP or POST /-/reload).",
              ]) % $._config,
            },
          },
          {
            alert: 'KubeprobeCollectorFailing',
            expr: |||
              kubeprobe_exporter_collector_success{%(kubeprobeSelector)s} == 0
            ||| % $._config,
            'for': $._config.exporterDegradedFor,
            labels: { severity: $._config.exporterSeverity },
            annotations: {
              summary: "A source of the exporter's node metrics keeps failing.",
              description: std.join(' ', [
                'The {{ $labels.collector }} source of the exporter on node %(nodeName)s has failed on every scrape for %(exporterDegradedFor)s; the gauges it feeds are missing, and kubeprobe_nodeports_at_risk may undercount.',
                "The exporter logs the error on each failed scrape. For the kubernetes source check the API server is reachable and the ServiceAccount may list and watch Services; for ipvs, that /proc/net/ip_vs is readable; for a sysctl, that --path.procfs points at the host's /proc.",
              ]) % $._config,
            },
          },
          {
            alert: 'KubeprobeExporterDown',
            expr: |||
              up{%(kubeprobeSelector)s} == 0
            ||| % $._config,
            'for': $._config.exporterDownFor,
            labels: { severity: $._config.exporterSeverity },
            annotations: {
              summary: 'Prometheus cannot scrape a kubeprobe exporter.',
              description: std.join(' ', [
                "Prometheus has failed to scrape the exporter on node %(nodeName)s for %(exporterDownFor)s; nobody watches that node's NodePorts and port range, and its probes do not run.",
                "Check the exporter's pod on that node (kubectl get pods -o wide, its logs and events) and that its port is reachable from Prometheus.",
              ]) % $._config,
            },
          },
          {
            // Only when no target is discovered at all: a discovered target
            // that fails is KubeprobeExporterDown.
            alert: 'KubeprobeExporterAbsent',
            expr: |||
              absent(up{%(kubeprobeSelector)s})
            ||| % $._config,
            'for': $._config.exporterDownFor,
            labels: { severity: $._config.exporterSeverity },
            annotations: {
              summary: 'No kubeprobe exporter is being scraped.',
              description: std.join(' ', [
                'Prometheus has discovered no target for the kubeprobe exporter{{ with $labels.job }} (job {{ . }}){{ end }} for %(exporterDownFor)s, so none of the node alerts of this mixin can fire.',
                'Check that the DaemonSet exists and has pods, and that the scrape configuration (or PodMonitor) still selects them.',
              ]) % $._config,
            },
          },
          {
            alert: 'KubeprobeProbeScrapeFailing',
            expr: |||
              up{%(probeSelector)s} == 0
            ||| % $._config,
            'for': $._config.exporterDownFor,
            labels: { severity: $._config.exporterSeverity },
            annotations: {
              summary: 'Prometheus cannot get probe results for a target.',
              description: std.join(' ', [
                'Scrapes of /probe for %(probeName)s have failed for %(exporterDownFor)s, so no probe alert can fire for it.',
                'Either the exporter that should run the probe is down or unreachable, or it answers 400 because the module is not in its configuration or the target is malformed.',
                'Open /probe?target=<target>&module=<module>&debug=true on that exporter: a 400 says what is wrong.',
              ]) % $._config,
            },
          },
        ],
      },
    ],
  },
}
