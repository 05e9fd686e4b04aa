// The kubelet shadow (--shadow.pods, and the configuration's scheduled
// entries): the exporter runs the pods' own probes on kubelet's schedule
// and says what kubelet would do. These alerts are about what kubelet
// does to the container, so they name the container and the probe, and
// say the schedule that would cover the start-ups seen, as /shadow does.

// What the alert is about: a pod's container, or a scheduled entry (named
// as the container, with no namespace or pod).
local who = '{{ with $labels.pod }}container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ . }}{{ else }}scheduled entry {{ $labels.container }}{{ end }}';

// $m: the matchers of the alert's probe, for the queries of the other
// kubeprobe_shadow_* series of the same probe. Empty labels (a scheduled
// entry's namespace and pod) match the absent ones.
local matchers(c) = '{{ $m := printf `{%(kubeprobeSelector)s, instance=%%q, namespace=%%q, pod=%%q, container=%%q, probe_type=%%q}` $labels.instance $labels.namespace $labels.pod $labels.container $labels.probe_type }}' % c;
local budget = '{{ with query (print "kubeprobe_shadow_startup_budget_seconds" $m) }}{{ . | first | value | humanizeDuration }}{{ else }}its budget{{ end }}';
// The schedule /shadow recommends, exported while the longest start-up
// seen exceeds the probe's budget; `otherwise` when there is none.
local recommendation(otherwise) = std.join('', [
  '{{ with query (print "kubeprobe_shadow_recommended_startup_failure_threshold" $m) }}{{ $t := . | first }}',
  'Cover the start-up, with a quarter to spare: give the container a startupProbe with periodSeconds: {{ $t.Labels.period_seconds }} and failureThreshold: {{ $t | value }}',
  '{{ with query (print "kubeprobe_shadow_recommended_initial_delay_seconds" $m) }}, or set initialDelaySeconds: {{ . | first | value }}{{ end }}; ',
  'the pod spec then reaches this probe on its next rollout.',
  '{{ else }}',
  otherwise,
  '{{ end }}',
]);
local logs = '{{ with $labels.pod }}its logs (`kubectl logs --previous -n {{ $labels.namespace }} {{ . }} -c {{ $labels.container }}`){{ else }}its logs{{ end }}';
local lastResult = "`kubeprobe_exporter shadow` on the node (or the exporter's /shadow page) shows the probe's last result and the schedule it recommends";

{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-shadow',
        rules: [
          {
            // A liveness or startup probe reached failureThreshold: kubelet,
            // running the same probe on the same schedule, restarts the
            // container. The counter starts at 0, so the first restart
            // counts.
            alert: 'KubeprobeShadowWouldRestart',
            expr: |||
              increase(kubeprobe_shadow_would_restart_total{%(kubeprobeSelector)s}[%(shadowRestartWindow)s]) > 0
            ||| % $._config,
            'for': $._config.shadowRestartFor,
            labels: { severity: $._config.shadowSeverity },
            annotations: {
              summary: 'A liveness or startup probe reached its failureThreshold: kubelet restarts the container.',
              description: std.join('', [
                '%(matchers)s',
                'The {{ $labels.probe_type }} probe of %(who)s, run by the exporter on node %(nodeName)s on kubelet\'s schedule, reached failureThreshold {{ $n := $value | printf "%%.0f" }}{{ $n }} time{{ if ne $n "1" }}s{{ end }} in the last %(shadowRestartWindow)s; ',
                'kubelet, probing the same way, restarts the container each time{{ with $labels.pod }} (the RESTARTS column of `kubectl get pod -n {{ $labels.namespace }} {{ . }}`){{ end }}. ',
                '{{ with query (print "kubeprobe_shadow_startup_longest_seconds" $m) }}The longest start-up this probe has seen took {{ . | first | value | humanizeDuration }}',
                '{{ else }}This probe has not seen the container start (succeed once) since the exporter began watching it{{ end }}; ',
                'the probe allows %(budget)s (initialDelaySeconds + (failureThreshold − 1) × periodSeconds). ',
                recommendation(
                  '{{ with query (print "kubeprobe_shadow_startup_longest_seconds" $m) }}The start-ups seen fit that, so the container stopped answering after it had started: read %(logs)s from before the restart, and %(lastResult)s.' +
                  '{{ else }}If the container is slow to start rather than broken, a startupProbe whose (failureThreshold − 1) × periodSeconds covers its start-up keeps liveness off it until it has started; %(lastResult)s, and %(logs)s from before the restart say how far it got.{{ end }}'
                ),
              ]) % ($._config { who: who, budget: budget, lastResult: lastResult, logs: logs, matchers: matchers($._config) }),
            },
          },
          {
            // The probe's schedule does not cover a start-up: one seen
            // took longer than initialDelaySeconds + failureThreshold ×
            // periodSeconds, or a readiness probe's container has been
            // starting for longer than that (a liveness or startup probe's
            // would be restarted: KubeprobeShadowWouldRestart).
            alert: 'KubeprobeShadowStartupOverdue',
            expr: |||
              kubeprobe_shadow_startup_longest_seconds{%(kubeprobeSelector)s}
                > kubeprobe_shadow_startup_budget_seconds{%(kubeprobeSelector)s}
              or
              kubeprobe_shadow_starting_seconds{%(kubeprobeSelector)s, probe_type="readiness"}
                > kubeprobe_shadow_startup_budget_seconds{%(kubeprobeSelector)s}
            ||| % $._config,
            'for': $._config.shadowStartupFor,
            labels: { severity: $._config.shadowSeverity },
            annotations: {
              summary: 'A container takes longer to start than its probe allows.',
              description: std.join('', [
                '%(matchers)s',
                "The {{ $labels.probe_type }} probe of %(who)s, run by the exporter on node %(nodeName)s on kubelet's schedule, ",
                // The recommendation is there when a start-up seen outlasted
                // the budget; without it the alert is about one under way.
                '{{ with query (print "kubeprobe_shadow_recommended_startup_failure_threshold" $m) }}',
                'first succeeded {{ with query (print "kubeprobe_shadow_startup_longest_seconds" $m) }}{{ . | first | value | humanizeDuration }}{{ end }} after the container started',
                '{{ else }}has not succeeded in the {{ $value | humanizeDuration }} since the container started{{ end }}, ',
                'longer than the %(budget)s the probe allows (initialDelaySeconds + (failureThreshold − 1) × periodSeconds). ',
                "{{ if eq $labels.probe_type \"readiness\" }}A readiness probe does not restart the container, but kubelet keeps it out of its Services' endpoints while it starts, and a rollout waits for it. ",
                "{{ else }}kubelet restarts a container whose start-up outlasts its liveness or startup probe's budget, before it has started (KubeprobeShadowWouldRestart). {{ end }}",
                recommendation("It has not started yet: %(lastResult)s, and the container's logs say what it waits for."),
              ]) % ($._config { who: who, budget: budget, lastResult: lastResult, logs: logs, matchers: matchers($._config) }),
            },
          },
        ],
      },
    ],
  },
}
