# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The grafana/pyroscope chart's documented values keys, for checking the values the monitoring stage writes for it.

No package of that chart is in ../shared/charts and none can be downloaded here or on CI (only PyPI, Debian and npm
are reachable), so the release is NOT rendered through the chart: this is a check against the DOCUMENTED SCHEMA, not
a render. The keys below were recorded from the grafana/pyroscope chart v2.2.1: its values.yaml
(operations/pyroscope/helm/pyroscope/values.yaml at commit 0ea0d16148738517389a74ed07b1a2b0bf6109c3, the commit the
release tag pyroscope-2.2.1 points at), plus the one key its StatefulSet template reads without a default there
(pyroscope.persistence.storageClassName); and, under ``alloy.``, from the values.yaml of the Grafana Alloy chart 1.5.2
that v2.2.1 bundles as its ``alloy`` subchart (charts/alloy-1.5.2.tgz at that commit; Alloy v1.12.2), whose
``global.image`` keys the subchart reads from the parent's ``global``. Helm ignores unknown keys silently, so a typo
here would be a silent bug; this table catches it, but it cannot catch a template that uses a key differently."""

# Keys whose value is passed through to the pod or the configuration as it is (maps and lists the chart writes with
# toYaml or ranges over): anything below them is the workload's own syntax, not the chart's.
FREE = {
    "pyroscope.extraArgs", "pyroscope.extraLabels", "pyroscope.extraEnvVars", "pyroscope.extraCustomEnvVars",
    "pyroscope.extraEnvFrom", "pyroscope.imagePullSecrets", "pyroscope.initContainers", "pyroscope.extraContainers",
    "pyroscope.serviceAccount.annotations", "pyroscope.podAnnotations", "pyroscope.podSecurityContext",
    "pyroscope.securityContext", "pyroscope.service.annotations", "pyroscope.service.headlessAnnotations",
    "pyroscope.resources", "pyroscope.nodeSelector", "pyroscope.topologySpreadConstraints",
    "pyroscope.persistence.accessModes", "pyroscope.persistence.annotations", "pyroscope.extraVolumes",
    "pyroscope.extraVolumeMounts", "pyroscope.tolerations", "pyroscope.affinity", "pyroscope.components",
    "pyroscope.structuredConfig", "pyroscope.tenantOverrides", "architecture.overwriteResources",
    "ingress.labels", "ingress.annotations", "httpRoute.labels", "httpRoute.annotations", "httpRoute.timeouts",
    "serviceMonitor.namespaceSelector", "serviceMonitor.annotations", "serviceMonitor.labels",
    "serviceMonitor.relabelings", "serviceMonitor.metricRelabelings", "serviceMonitor.tlsConfig", "extraObjects",
    "global.image.pullSecrets", "global.podSecurityContext",
    # the alloy subchart
    "alloy.alloy.extraEnv", "alloy.alloy.envFrom", "alloy.alloy.extraArgs", "alloy.alloy.extraPorts",
    "alloy.alloy.hostAliases", "alloy.alloy.mounts.extra", "alloy.alloy.securityContext", "alloy.alloy.resources",
    "alloy.alloy.lifecycle", "alloy.alloy.livenessProbe", "alloy.image.pullSecrets", "alloy.rbac.rules",
    "alloy.rbac.clusterRules", "alloy.rbac.namespaces", "alloy.serviceAccount.additionalLabels",
    "alloy.serviceAccount.annotations", "alloy.configReloader.customArgs", "alloy.configReloader.resources",
    "alloy.configReloader.securityContext", "alloy.controller.extraLabels", "alloy.controller.extraAnnotations",
    "alloy.controller.updateStrategy", "alloy.controller.nodeSelector", "alloy.controller.tolerations",
    "alloy.controller.topologySpreadConstraints", "alloy.controller.podAnnotations", "alloy.controller.podLabels",
    "alloy.controller.affinity", "alloy.controller.volumes.extra", "alloy.controller.volumeClaimTemplates",
    "alloy.controller.initContainers", "alloy.controller.extraContainers", "alloy.extraObjects",
}

KEYS = FREE | {
    "global", "global.imageRegistry", "global.image", "global.image.registry",
    "pyroscope", "pyroscope.replicaCount", "pyroscope.disableSelfProfile", "pyroscope.cluster_domain",
    "pyroscope.image", "pyroscope.image.registry", "pyroscope.image.repository", "pyroscope.image.pullPolicy",
    "pyroscope.image.tag", "pyroscope.dnsPolicy", "pyroscope.nameOverride", "pyroscope.fullnameOverride",
    "pyroscope.rbac", "pyroscope.rbac.create", "pyroscope.serviceAccount", "pyroscope.serviceAccount.create",
    "pyroscope.serviceAccount.name", "pyroscope.podDisruptionBudget", "pyroscope.podDisruptionBudget.enabled",
    "pyroscope.podDisruptionBudget.maxUnavailable", "pyroscope.service", "pyroscope.service.type",
    "pyroscope.service.port", "pyroscope.service.port_name", "pyroscope.service.scheme", "pyroscope.memberlist",
    "pyroscope.memberlist.port", "pyroscope.memberlist.port_name", "pyroscope.grpc", "pyroscope.grpc.port",
    "pyroscope.grpc.port_name", "pyroscope.metastore", "pyroscope.metastore.port", "pyroscope.metastore.port_name",
    "pyroscope.persistence", "pyroscope.persistence.enabled", "pyroscope.persistence.size",
    "pyroscope.persistence.storageClassName", "pyroscope.persistence.metastore",
    "pyroscope.persistence.metastore.subPath", "pyroscope.config",
    "architecture", "architecture.storage", "architecture.storage.v1", "architecture.storage.v2",
    "architecture.storage.migration", "architecture.storage.migration.ingesterWeight",
    "architecture.storage.migration.segmentWriterWeight", "architecture.storage.migration.queryBackendFrom",
    "architecture.deployUnifiedServices", "architecture.microservices", "architecture.microservices.enabled",
    "architecture.microservices.clusterLabelSuffix",
    "agent", "agent.enabled", "minio", "minio.enabled",
    "ingress", "ingress.enabled", "ingress.className", "ingress.pathType",
    "httpRoute", "httpRoute.enabled", "httpRoute.gateway", "httpRoute.gateway.name", "httpRoute.gateway.namespace",
    "httpRoute.gateway.sectionName", "httpRoute.hostnames",
    "serviceMonitor", "serviceMonitor.enabled", "serviceMonitor.matchExpressions", "serviceMonitor.interval",
    "serviceMonitor.scrapeTimeout", "serviceMonitor.targetLabels", "serviceMonitor.scheme",
    # the alloy subchart (alias alloy; its own values.yaml, 1.5.2)
    "alloy", "alloy.enabled", "alloy.nameOverride", "alloy.fullnameOverride", "alloy.crds", "alloy.crds.create",
    "alloy.alloy", "alloy.alloy.configMap", "alloy.alloy.configMap.create", "alloy.alloy.configMap.content",
    "alloy.alloy.configMap.name", "alloy.alloy.configMap.key", "alloy.alloy.clustering",
    "alloy.alloy.clustering.enabled", "alloy.alloy.clustering.name", "alloy.alloy.clustering.portName",
    "alloy.alloy.stabilityLevel", "alloy.alloy.storagePath", "alloy.alloy.enableHttpServerPort",
    "alloy.alloy.listenAddr", "alloy.alloy.listenPort", "alloy.alloy.listenScheme", "alloy.alloy.initialDelaySeconds",
    "alloy.alloy.timeoutSeconds", "alloy.alloy.uiPathPrefix", "alloy.alloy.enableReporting", "alloy.alloy.mounts",
    "alloy.alloy.mounts.varlog", "alloy.alloy.mounts.dockercontainers",
    "alloy.image", "alloy.image.registry", "alloy.image.repository", "alloy.image.tag", "alloy.image.digest",
    "alloy.image.pullPolicy", "alloy.rbac", "alloy.rbac.create", "alloy.serviceAccount",
    "alloy.serviceAccount.create", "alloy.serviceAccount.name", "alloy.serviceAccount.automountServiceAccountToken",
    "alloy.configReloader", "alloy.configReloader.enabled", "alloy.configReloader.image",
    "alloy.configReloader.image.registry", "alloy.configReloader.image.repository", "alloy.configReloader.image.tag",
    "alloy.configReloader.image.digest", "alloy.controller", "alloy.controller.type", "alloy.controller.replicas",
    "alloy.controller.parallelRollout", "alloy.controller.minReadySeconds", "alloy.controller.hostNetwork",
    "alloy.controller.hostPID", "alloy.controller.dnsPolicy", "alloy.controller.terminationGracePeriodSeconds",
    "alloy.controller.priorityClassName", "alloy.controller.podDisruptionBudget",
    "alloy.controller.podDisruptionBudget.enabled", "alloy.controller.podDisruptionBudget.minAvailable",
    "alloy.controller.podDisruptionBudget.maxUnavailable", "alloy.controller.volumes",
    "alloy.service", "alloy.service.enabled", "alloy.service.type", "alloy.service.clusterIP",
    "alloy.service.internalTrafficPolicy", "alloy.service.annotations", "alloy.serviceMonitor",
    "alloy.serviceMonitor.enabled", "alloy.serviceMonitor.interval", "alloy.networkPolicy",
    "alloy.networkPolicy.enabled",
}

# Values the charts enumerate (their values.yaml comments and templates).
ENUMS = {
    "alloy.controller.type": {"daemonset", "deployment", "statefulset"},
    "alloy.alloy.stabilityLevel": {"generally-available", "public-preview", "experimental"},
}


def problems(values, prefix=""):
    """Every key of ``values`` the recorded chart does not document, and every enumerated value out of its set."""
    out = []
    for key, value in sorted(values.items(), key=lambda item: str(item[0])):
        path = "%s.%s" % (prefix, key) if prefix else str(key)
        if path not in KEYS:
            out.append("%s: not a key of the pyroscope chart 2.2.1 (or of its alloy subchart)" % path)
            continue
        if path in ENUMS and value not in ENUMS[path]:
            out.append("%s is %r: not one of %s" % (path, value, ", ".join(sorted(ENUMS[path]))))
        if isinstance(value, dict) and path not in FREE:
            out += problems(value, path)
    return out
