#!/usr/bin/env python3
"""Static checks of the deployment files under Deploy/ (run by Tests/NewsModelTests/DeployFilesTests.swift).

    Deploy/check_deploy.py [--root REPO]

Parses every YAML (all documents) and JSON file under Deploy/ and checks:
  - Deploy/compose.yaml: the services, their images and builds, depends_on with conditions,
    restart policies, no container_name, ports only for api and mailpit and only on 127.0.0.1;
    then `docker compose config -q` (or Debian's `docker-compose`) when one is installed;
  - Deploy/k8s/: apiVersion, kind and metadata.name everywhere, no namespace, kustomization.yaml
    listing every manifest, Deployments with probes, resources, securityContext and selectors
    matching their pod labels, references between objects, and the official Kubernetes schemas
    (kubernetes-validate, strict) where that package is installed;
  - Deploy/systemd/: the unit's required keys (configparser, strict=False), the target, the env file,
    and `systemd-analyze verify` where installed;
  - Deploy/Dockerfile (dockerfile-parse): two or more stages, a non-root USER in the last;
  - Deploy/grafana/*.json: panels whose expressions use only Newsflash's metric names;
  - Deploy/prometheus/alerts.yaml: alerting rules on Newsflash's metric names, each with a severity, a
    summary and a description, and each tested where it fires and where it stays quiet by
    alerts.test.yaml; then `promtool check rules` and `promtool test rules` (PATH or .local/bin, which
    Deploy/setup.sh fills; with CI=true a missing promtool is a problem).
Prints one line per check ("ok ..." or "PROBLEM ...") and exits 1 if any check failed.
"""
import argparse
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    print("PROBLEM pyyaml is not installed (Deploy/requirements-dev.txt; run Deploy/setup.sh)")
    sys.exit(1)

STAGES = ["ingest", "classify", "match", "notify-webhook", "notify-email", "api"]
STAGE_PORTS = {stage: 9464 for stage in STAGES} | {"api": 8080}
# The metric names the dashboard may use: what the stages export (README, Sources/), histogram
# series by their base name (Timers become <name>_bucket, _sum, _count).
METRICS = {
    "ingest_items_published_total",
    "stage_messages_total",
    "stage_processing_seconds",
    "kafka_consumer_lag",
    "kafka_consumer_commits_total",
    "notify_attempts_total",
    "notify_attempt_seconds",
    "notify_deliveries_deferred_total",
    "alert_end_to_end_seconds",
    "dead_letters_total",
}
# What the alerting rules may use besides: metrics with no panel.
ALERT_METRICS = METRICS | {"ingest_source_failing"}
SEVERITIES = {"critical", "warning"}
HISTOGRAMS = {"stage_processing_seconds", "notify_attempt_seconds", "alert_end_to_end_seconds"}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool",
    "inf", "nan", "le",
}


# This script's repository, where Deploy/setup.sh puts promtool (`--root` may name a copy of Deploy/).
REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Checker:
    def __init__(self, root):
        self.root = root
        self.deploy = os.path.join(root, "Deploy")
        self.problems = 0
        self.checks = 0
        self.documents = {}  # relative path -> list of parsed documents

    # -- reporting
    def ok(self, what):
        self.checks += 1
        print(f"ok {what}")

    def problem(self, what):
        self.checks += 1
        self.problems += 1
        print(f"PROBLEM {what}")

    def expect(self, condition, what, why=""):
        if condition:
            self.ok(what)
        else:
            self.problem(what + (f": {why}" if why else ""))
        return condition

    def skip(self, what):
        print(f"skip {what}")

    def rel(self, path):
        return os.path.relpath(path, self.root)

    # -- every YAML and JSON file parses
    def parse_all(self):
        for directory, dirs, files in os.walk(self.deploy):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(directory, name)
                rel = self.rel(path)
                if name.endswith((".yaml", ".yml")):
                    try:
                        with open(path, encoding="utf-8") as f:
                            docs = [d for d in yaml.safe_load_all(f) if d is not None]
                        self.documents[rel] = docs
                        self.ok(f"{rel}: YAML parses ({len(docs)} document{'s' if len(docs) != 1 else ''})")
                    except yaml.YAMLError as error:
                        self.problem(f"{rel}: YAML does not parse: {error}")
                elif name.endswith(".json"):
                    try:
                        with open(path, encoding="utf-8") as f:
                            self.documents[rel] = [json.load(f)]
                        self.ok(f"{rel}: JSON parses")
                    except ValueError as error:
                        self.problem(f"{rel}: JSON does not parse: {error}")

    # -- compose
    def check_compose(self):
        rel = "Deploy/compose.yaml"
        docs = self.documents.get(rel)
        if not self.expect(docs and isinstance(docs[0], dict), f"{rel}: present, one mapping"):
            return
        compose = docs[0]
        services = compose.get("services") or {}
        wanted = ["kafka", "topics", "postgres", "mailpit"] + STAGES
        missing = [s for s in wanted if s not in services]
        self.expect(not missing, f"{rel}: services {', '.join(wanted)}", f"missing {missing}")

        def image(name):
            return str((services.get(name) or {}).get("image", ""))

        self.expect(image("kafka").startswith("apache/kafka:"), f"{rel}: kafka uses the official apache/kafka image", image("kafka"))
        kafka_env = (services.get("kafka") or {}).get("environment") or {}
        roles = str(kafka_env.get("KAFKA_PROCESS_ROLES", "")) if isinstance(kafka_env, dict) else ""
        self.expect("controller" in roles and "broker" in roles, f"{rel}: kafka runs in KRaft mode (broker,controller)", roles)
        self.expect(image("postgres").startswith("postgres:"), f"{rel}: postgres uses the official postgres image", image("postgres"))
        self.expect(image("mailpit").startswith("axllent/mailpit:"), f"{rel}: mailpit uses axllent/mailpit", image("mailpit"))

        for name, service in services.items():
            service = service or {}
            where = f"{rel}: service {name}"
            if "container_name" in service:
                self.problem(f"{where}: has container_name, so it cannot be scaled")
            img = str(service.get("image", ""))
            if "build" not in service and not img:
                self.problem(f"{where}: neither image nor build")
            if img and "build" not in service and (":" not in img.rsplit("/", 1)[-1] or img.endswith(":latest")):
                self.problem(f"{where}: image {img!r} is not pinned to a tag")
            build = service.get("build")
            if build is not None:
                context = build if isinstance(build, str) else build.get("context", ".")
                dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
                path = os.path.normpath(os.path.join(self.deploy, context, dockerfile))
                self.expect(os.path.isfile(path), f"{where}: builds {self.rel(path)}", "no such file")
            if name != "topics":
                self.expect(service.get("restart") in ("always", "unless-stopped", "on-failure"),
                            f"{where}: restart policy", repr(service.get("restart")))
            ports = service.get("ports") or []
            if ports and name not in ("api", "mailpit"):
                self.problem(f"{where}: publishes ports {ports}; only api and mailpit may")
            for port in ports:
                host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0] if str(port).count(":") == 2 else None
                self.expect(host_ip == "127.0.0.1", f"{where}: port {port} bound to 127.0.0.1", f"bound to {host_ip or 'all interfaces'}")
            depends = service.get("depends_on") or {}
            if isinstance(depends, list):
                self.problem(f"{where}: depends_on without conditions ({depends})")
                depends = {}
            for target, spec in depends.items():
                condition = (spec or {}).get("condition")
                self.expect(target in services, f"{where}: depends on existing service {target}")
                self.expect(condition in ("service_started", "service_healthy", "service_completed_successfully"),
                            f"{where}: depends on {target} with a condition", repr(condition))
                if condition == "service_healthy":
                    self.expect("healthcheck" in (services.get(target) or {}),
                                f"{where}: {target} (service_healthy) has a healthcheck")
            for volume in service.get("volumes") or []:
                source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
                if source.startswith((".", "/")):
                    self.expect(os.path.exists(os.path.join(self.deploy, source)), f"{where}: bind mount {source} exists")

        for stage in STAGES:
            service = services.get(stage) or {}
            command = service.get("command") or []
            command = command.split() if isinstance(command, str) else command
            self.expect(command[:2] == ["run", stage], f"{rel}: {stage} runs `newsflash run {stage}`", str(command))
            depends = service.get("depends_on") or {}
            depends = depends if isinstance(depends, dict) else {}
            self.expect((depends.get("kafka") or {}).get("condition") == "service_healthy"
                        and (depends.get("topics") or {}).get("condition") == "service_completed_successfully",
                        f"{rel}: {stage} waits for a healthy kafka and the finished topics service")
            environment = service.get("environment") or {}
            self.expect(isinstance(environment, dict) and environment.get("KAFKA_BOOTSTRAP") == "kafka:9092",
                        f"{rel}: {stage} has KAFKA_BOOTSTRAP=kafka:9092")
            test = " ".join(map(str, (service.get("healthcheck") or {}).get("test") or []))
            self.expect(f"/{STAGE_PORTS[stage]}" in test and "/health/ready" in test,
                        f"{rel}: {stage} healthcheck asks /health/ready on port {STAGE_PORTS[stage]}", test)
            if stage != "api" and isinstance(environment, dict):
                # The probe and Prometheus must reach the port the process serves, on an address they can reach.
                self.expect(str(environment.get("NEWSFLASH_METRICS_PORT")) == str(STAGE_PORTS[stage]),
                            f"{rel}: {stage} serves metrics and health on the probed port {STAGE_PORTS[stage]}",
                            repr(environment.get("NEWSFLASH_METRICS_PORT")))
                self.expect(environment.get("NEWSFLASH_METRICS_HOST") == "0.0.0.0",
                            f"{rel}: {stage} binds metrics and health to 0.0.0.0", repr(environment.get("NEWSFLASH_METRICS_HOST")))
        topics = services.get("topics") or {}
        self.expect((topics.get("command") or [])[:2] == ["topics", "init"], f"{rel}: topics runs `newsflash topics init`")
        email_env = (services.get("notify-email") or {}).get("environment") or {}
        self.expect(all(k in email_env for k in ("NEWSFLASH_SMTP_URL", "NEWSFLASH_MAIL_FROM", "NEWSFLASH_PUBLIC_URL")),
                    f"{rel}: notify-email has its SMTP settings")
        smtp_url = str(email_env.get("NEWSFLASH_SMTP_URL", ""))
        self.expect(smtp_url.split("://")[-1].split("@")[-1].split("?")[0] == "mailpit:1025", f"{rel}: notify-email sends to mailpit:1025", smtp_url)
        # Mailpit has no certificate in compose: the client insists on STARTTLS unless told ?tls=none,
        # and credentials must not travel in the clear.
        self.expect(smtp_url.startswith("smtp://") and "tls=none" in smtp_url and "@" not in smtp_url,
                    f"{rel}: notify-email uses plain SMTP to Mailpit explicitly (?tls=none) and sends no credentials", smtp_url)
        self.compose_config(rel)

    def compose_config(self, rel):
        path = os.path.join(self.root, rel)
        for command in (["docker", "compose"], ["docker-compose"]):
            if not shutil.which(command[0]):
                continue
            try:
                version = subprocess.run(command + ["version"], capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if version.returncode != 0:
                continue
            result = subprocess.run(command + ["-f", path, "config", "-q"], capture_output=True, text=True, timeout=60)
            self.expect(result.returncode == 0, f"{rel}: `{' '.join(command)} config -q` accepts it",
                        (result.stderr or result.stdout).strip())
            return
        self.skip(f"{rel}: `docker compose config -q`: neither `docker compose` nor `docker-compose` works here")

    # -- Kubernetes
    def check_k8s(self):
        base = "Deploy/k8s"
        objects = []  # (relpath, object)
        for rel, docs in sorted(self.documents.items()):
            if not rel.startswith(base + "/") or os.path.basename(rel) == "kustomization.yaml":
                continue
            for doc in docs:
                where = f"{rel}: {doc.get('kind', '?')}/{(doc.get('metadata') or {}).get('name', '?')}" if isinstance(doc, dict) else rel
                if not isinstance(doc, dict) or not (doc.get("apiVersion") and doc.get("kind") and (doc.get("metadata") or {}).get("name")):
                    self.problem(f"{where}: lacks apiVersion, kind or metadata.name")
                    continue
                self.ok(f"{where}: apiVersion, kind, metadata.name")
                if "namespace" in doc["metadata"]:
                    self.problem(f"{where}: sets metadata.namespace (the manifests are namespace-less)")
                objects.append((rel, doc))

        kustomization = (self.documents.get(f"{base}/kustomization.yaml") or [None])[0]
        if self.expect(isinstance(kustomization, dict), f"{base}/kustomization.yaml: present"):
            listed = kustomization.get("resources") or []
            files = sorted(os.path.relpath(os.path.join(self.root, r), os.path.join(self.root, base))
                           for r in self.documents if r.startswith(base + "/"))
            manifests = [f for f in files if f != "kustomization.yaml" and "/" not in f]
            unlisted = [f for f in manifests if f not in listed]
            self.expect(not unlisted, f"{base}/kustomization.yaml lists every manifest ({len(manifests)})", f"not listed: {unlisted}")
            absent = [f for f in listed if not os.path.isfile(os.path.join(self.root, base, f))]
            self.expect(not absent, f"{base}/kustomization.yaml lists only existing files", f"missing: {absent}")
            others = [f for f in files if "/" in f and not f.startswith("optional/")]
            self.expect(not others, f"{base}: manifests outside kustomization.yaml are only in optional/", str(others))

        def named(kind):
            return {d["metadata"]["name"]: d for _, d in objects if d["kind"] == kind}

        deployments = named("Deployment")
        configmaps, secrets, pvcs = named("ConfigMap"), named("Secret"), named("PersistentVolumeClaim")
        for stage in STAGES:
            self.expect(f"newsflash-{stage}" in deployments, f"{base}: a Deployment for {stage}")
        for name, deployment in deployments.items():
            self.check_deployment(name, deployment, configmaps, secrets, pvcs)

        def selects_a_deployment(selector):
            return any(selector and all(((d["spec"]["template"].get("metadata") or {}).get("labels") or {}).get(k) == v
                                        for k, v in selector.items()) for d in deployments.values())

        for name, service in named("Service").items():
            self.expect(selects_a_deployment((service.get("spec") or {}).get("selector")), f"{base}: Service {name} selects a Deployment's pods")
        services = named("Service")
        for name, ingress in named("Ingress").items():
            backends = [p["backend"]["service"]["name"] for r in ingress["spec"].get("rules", []) for p in r.get("http", {}).get("paths", [])]
            self.expect(backends and all(b in services for b in backends), f"{base}: Ingress {name} routes to existing Services", str(backends))
        pdbs = named("PodDisruptionBudget")
        for name, pdb in pdbs.items():
            self.expect(selects_a_deployment(((pdb.get("spec") or {}).get("selector") or {}).get("matchLabels")),
                        f"{base}: PodDisruptionBudget {name} selects a Deployment's pods")
        partitions = None
        for job in named("Job").values():
            args = job["spec"]["template"]["spec"]["containers"][0].get("args") or []
            if args[:2] == ["topics", "init"] and "--partitions" in args:
                partitions = int(args[args.index("--partitions") + 1])
        self.expect(partitions is not None, f"{base}: a Job runs `newsflash topics init --partitions N`")
        hpas = named("HorizontalPodAutoscaler")
        for stage in ("classify", "notify-webhook"):
            hpa = hpas.get(f"newsflash-{stage}")
            if not self.expect(hpa is not None, f"{base}: a HorizontalPodAutoscaler for {stage}"):
                continue
            spec = hpa["spec"]
            self.expect(spec["scaleTargetRef"].get("name") in deployments, f"{base}: HPA newsflash-{stage} targets an existing Deployment")
            external = [m for m in spec.get("metrics", []) if m.get("type") == "External"]
            self.expect(external and external[0]["external"]["metric"]["name"] == "kafka_consumer_lag",
                        f"{base}: HPA newsflash-{stage} scales on the External metric kafka_consumer_lag")
            if partitions is not None:
                self.expect(spec.get("maxReplicas", 0) <= partitions,
                            f"{base}: HPA newsflash-{stage} maxReplicas <= {partitions} partitions", str(spec.get("maxReplicas")))
        for _, scaled in [(r, d) for r, d in objects if d["kind"] == "ScaledObject"]:
            name = scaled["metadata"]["name"]
            self.expect(scaled["spec"]["scaleTargetRef"]["name"] in deployments, f"{base}: ScaledObject {name} targets an existing Deployment")
        self.kubernetes_schemas(objects)

    def check_deployment(self, name, deployment, configmaps, secrets, pvcs):
        where = f"Deploy/k8s: Deployment {name}"
        spec = deployment.get("spec") or {}
        template = spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        self.expect(selector and all(labels.get(k) == v for k, v in selector.items()),
                    f"{where}: selector {selector} matches the pod labels")
        pod = template.get("spec") or {}
        self.expect(pod.get("terminationGracePeriodSeconds", 30) >= 60, f"{where}: terminationGracePeriodSeconds >= 60")
        pod_security = pod.get("securityContext") or {}
        annotations = (template.get("metadata") or {}).get("annotations") or {}
        self.expect(annotations.get("prometheus.io/scrape") == "true" and annotations.get("prometheus.io/path") == "/metrics",
                    f"{where}: prometheus scrape annotations")
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        containers = pod.get("containers") or []
        self.expect(bool(containers), f"{where}: has containers")
        for container in containers:
            cwhere = f"{where}, container {container.get('name')}"
            ports = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
            for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")):
                http = (container.get(probe) or {}).get("httpGet") or {}
                port = http.get("port")
                number = ports.get(port, port)
                self.expect(http.get("path") == path and number in ports.values(),
                            f"{cwhere}: {probe} GET {path} on a declared port", f"{http}")
                if probe == "readinessProbe":
                    self.expect(str(number) == str(annotations.get("prometheus.io/port")),
                                f"{cwhere}: prometheus.io/port is the probed port {number}")
            stage = next((s for s in STAGES if name == f"newsflash-{s}"), None)
            if stage and stage != "api":
                env = {}
                for source in container.get("envFrom") or []:
                    if "configMapRef" in source:
                        env.update((configmaps.get(source["configMapRef"]["name"]) or {}).get("data") or {})
                for item in container.get("env") or []:
                    env[item.get("name")] = item.get("value")
                self.expect(env.get("NEWSFLASH_METRICS_HOST") == "0.0.0.0",
                            f"{cwhere}: binds metrics and health to 0.0.0.0 (NEWSFLASH_METRICS_HOST)", repr(env.get("NEWSFLASH_METRICS_HOST")))
                self.expect(str(env.get("NEWSFLASH_METRICS_PORT")) == str(STAGE_PORTS[stage]),
                            f"{cwhere}: serves metrics and health on the probed port {STAGE_PORTS[stage]} (NEWSFLASH_METRICS_PORT)",
                            repr(env.get("NEWSFLASH_METRICS_PORT")))
            if stage:
                args = [str(a) for a in container.get("args") or []]
                self.expect(args[:2] == ["run", stage], f"{cwhere}: runs `newsflash run {stage}`", str(args))
                self.expect(STAGE_PORTS[stage] in ports.values(), f"{cwhere}: exposes port {STAGE_PORTS[stage]}")
            resources = container.get("resources") or {}
            requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
            self.expect("cpu" in requests and "memory" in requests and "memory" in limits,
                        f"{cwhere}: resources (requests cpu/memory, limits memory)", str(resources))
            security = container.get("securityContext") or {}
            non_root = security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
            uid = security.get("runAsUser", pod_security.get("runAsUser"))
            self.expect(non_root is True and (uid is None or uid != 0), f"{cwhere}: runs as non-root")
            self.expect(security.get("readOnlyRootFilesystem") is True and security.get("allowPrivilegeEscalation") is False,
                        f"{cwhere}: readOnlyRootFilesystem, no privilege escalation")
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
            self.expect("/tmp" in mounts and "emptyDir" in volumes.get(mounts["/tmp"], {}), f"{cwhere}: an emptyDir at /tmp")
            missing_volumes = [m for m in mounts.values() if m not in volumes]
            self.expect(not missing_volumes, f"{cwhere}: every volumeMount has a volume", str(missing_volumes))
            for source in container.get("envFrom") or []:
                if "configMapRef" in source:
                    self.expect(source["configMapRef"]["name"] in configmaps, f"{cwhere}: ConfigMap {source['configMapRef']['name']} exists")
                if "secretRef" in source:
                    self.expect(source["secretRef"]["name"] in secrets, f"{cwhere}: Secret {source['secretRef']['name']} exists")
        for volume in volumes.values():
            if "configMap" in volume:
                configmap = configmaps.get(volume["configMap"]["name"])
                if self.expect(configmap is not None, f"{where}: volume {volume['name']}: ConfigMap exists"):
                    for item in volume["configMap"].get("items") or []:
                        self.expect(item["key"] in (configmap.get("data") or {}), f"{where}: ConfigMap key {item['key']} exists")
                        if item["key"].endswith(".json"):
                            try:
                                config = json.loads(configmap["data"][item["key"]])
                                self.expect(bool(config.get("ingest", {}).get("sources")), f"{where}: {item['key']} has ingest.sources")
                            except (ValueError, KeyError) as error:
                                self.problem(f"{where}: {item['key']} is not JSON: {error}")
            if "persistentVolumeClaim" in volume:
                self.expect(volume["persistentVolumeClaim"]["claimName"] in pvcs, f"{where}: PVC {volume['persistentVolumeClaim']['claimName']} exists")

    def kubernetes_schemas(self, objects):
        try:
            import kubernetes_validate.utils as kv
        except ImportError:
            self.skip("Deploy/k8s: official schemas: kubernetes-validate is not installed (Deploy/requirements-dev.txt)")
            return
        version = kv.latest_version()
        for rel, doc in objects:
            what = f"{rel}: {doc['kind']}/{doc['metadata']['name']}"
            if "." in doc["apiVersion"].split("/")[0] and not doc["apiVersion"].split("/")[0].endswith(".k8s.io"):
                self.skip(f"{what}: custom resource ({doc['apiVersion']}), no official schema")
                continue
            try:
                kv.validate(doc, version, strict=True)
                self.ok(f"{what}: valid against the Kubernetes {version} schema (strict)")
            except kv.SchemaNotFoundError:
                self.problem(f"{what}: no Kubernetes {version} schema for {doc['apiVersion']} {doc['kind']}")
            except kv.ValidationError as error:
                self.problem(f"{what}: invalid against the Kubernetes {version} schema: {error.message} at {'/'.join(map(str, error.path))}")

    # -- systemd
    def check_systemd(self):
        base = os.path.join(self.deploy, "systemd")
        unit_path = os.path.join(base, "newsflash@.service")
        target_path = os.path.join(base, "newsflash.target")
        env_path = os.path.join(base, "newsflash.env")
        for path in (unit_path, target_path, env_path):
            self.expect(os.path.isfile(path), f"{self.rel(path)}: present")
        if not os.path.isfile(unit_path):
            return
        unit = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",), comment_prefixes=("#", ";"))
        unit.optionxform = str
        with open(unit_path, encoding="utf-8") as f:
            text = f.read()
        unit.read_string(text)
        # Keys that systemd allows more than once, collected from the text (configparser keeps the last).
        repeated = {}
        for line in text.splitlines():
            match = re.match(r"^([A-Za-z]+)=(.*)$", line)
            if match:
                repeated.setdefault(match.group(1), []).append(match.group(2).strip())
        rel = self.rel(unit_path)
        required = {
            "Unit": {"Description": None, "After": "network-online.target", "PartOf": "newsflash.target"},
            "Service": {
                "ExecStart": "/usr/local/bin/newsflash run %i", "User": "newsflash", "Restart": "on-failure",
                "KillSignal": "SIGTERM", "TimeoutStopSec": "60", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                "ReadWritePaths": "/var/lib/newsflash", "PrivateTmp": "yes", "ProtectHome": "yes",
                "WorkingDirectory": "/var/lib/newsflash",
            },
            "Install": {"WantedBy": "newsflash.target"},
        }
        for section, keys in required.items():
            if not self.expect(unit.has_section(section), f"{rel}: [{section}]"):
                continue
            for key, value in keys.items():
                actual = unit[section].get(key)
                good = actual is not None and (value is None or value in actual.split() or actual.startswith(value))
                self.expect(good, f"{rel}: {key}={value or '…'} in [{section}]", f"found {actual!r}")
        self.expect("/etc/newsflash/newsflash.env" in repeated.get("EnvironmentFile", []),
                    f"{rel}: EnvironmentFile=/etc/newsflash/newsflash.env")
        unit_only = {"StartLimitIntervalSec", "StartLimitBurst", "After", "Wants", "Requires", "PartOf", "Description"}
        misplaced = [k for k in unit["Service"] if k in unit_only] if unit.has_section("Service") else []
        self.expect(not misplaced, f"{rel}: no [Unit] keys in [Service]", str(misplaced))

        target = configparser.ConfigParser(strict=False, interpolation=None)
        target.optionxform = str
        target.read(target_path, encoding="utf-8")
        self.expect(target.has_section("Unit") and target.get("Install", "WantedBy", fallback="") == "multi-user.target",
                    f"{self.rel(target_path)}: [Unit] and WantedBy=multi-user.target")

        keys = []
        with open(env_path, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                match = re.match(r"^([A-Z_][A-Z0-9_]*)=", line)
                if not match:
                    self.problem(f"{self.rel(env_path)}:{number}: not KEY=value: {line}")
                    continue
                keys.append(match.group(1))
        for key in ("KAFKA_BOOTSTRAP", "NEWSFLASH_LOG_LEVEL", "NEWSFLASH_SUBSCRIPTIONS", "NEWSFLASH_METRICS_PORT"):
            self.expect(key in keys, f"{self.rel(env_path)}: sets {key}")

        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skip(f"{rel}: `systemd-analyze verify`: not installed")
            return
        with tempfile.TemporaryDirectory() as directory:
            instance = os.path.join(directory, "newsflash@classify.service")
            shutil.copy(unit_path, instance)
            shutil.copy(target_path, directory)
            result = subprocess.run([analyze, "verify", "--man=no", instance, os.path.join(directory, "newsflash.target")],
                                    capture_output=True, text=True, timeout=60, env=os.environ | {"SYSTEMD_LOG_LEVEL": "notice"})
            # The binary and the user do not exist here; anything about the unit's own text counts.
            lines = [l for l in (result.stderr + result.stdout).splitlines()
                     if re.search(r"Unknown|unknown|Failed to parse|Invalid|invalid|ignoring|Missing", l)]
            self.expect(not lines, f"{rel}: `systemd-analyze verify` finds no unknown or invalid settings", "; ".join(lines))

    # -- Dockerfile
    def check_dockerfile(self):
        path = os.path.join(self.deploy, "Dockerfile")
        rel = self.rel(path)
        if not self.expect(os.path.isfile(path), f"{rel}: present"):
            return
        try:
            from dockerfile_parse import DockerfileParser
            parser = DockerfileParser(path=path)
            instructions = [(i["instruction"], i["value"]) for i in parser.structure]
        except ImportError:
            self.problem(f"{rel}: dockerfile-parse is not installed (Deploy/requirements-dev.txt)")
            return
        stages, current = [], None
        for instruction, value in instructions:
            if instruction == "FROM":
                current = {"from": value, "body": []}
                stages.append(current)
            elif current is not None:
                current["body"].append((instruction, value))
        self.expect(len(stages) >= 2, f"{rel}: multi-stage ({len(stages)} FROM)")
        if not stages:
            return
        builder, final = stages[0], stages[-1]
        builds = " ".join(v for i, v in builder["body"] if i == "RUN")
        self.expect("swift build -c release" in builds and "--static-swift-stdlib" in builds,
                    f"{rel}: builder runs `swift build -c release --static-swift-stdlib`")
        self.expect(builder["from"].split()[0].startswith("swift:"), f"{rel}: builder is an official swift image", builder["from"])
        self.expect(not final["from"].split()[0].startswith("swift:"), f"{rel}: runtime is not the Swift toolchain image", final["from"])
        users = [v for i, v in final["body"] if i == "USER"]
        user = users[-1].split(":")[0].strip() if users else ""
        self.expect(bool(user) and user not in ("root", "0"), f"{rel}: the final stage runs as a non-root USER", user or "no USER")
        installs = " ".join(v for i, v in final["body"] if i == "RUN")
        for package in ("librdkafka1", "libxml2", "libsqlite3-0", "ca-certificates", "tzdata"):
            self.expect(re.search(rf"(^|\s){re.escape(package)}(\s|$)", installs) is not None, f"{rel}: runtime installs {package}")
        self.expect(any(i == "COPY" and "--from=" in v for i, v in final["body"]), f"{rel}: runtime copies the build output (COPY --from)")
        entrypoints = [v for i, v in final["body"] if i == "ENTRYPOINT"]
        try:
            entry = json.loads(entrypoints[-1]) if entrypoints else None
        except ValueError:
            entry = None
        self.expect(entry == ["newsflash"], f"{rel}: ENTRYPOINT [\"newsflash\"] (exec form)", str(entrypoints))
        env = " ".join(v for i, v in final["body"] if i == "ENV")
        for variable in ("NEWSFLASH_METRICS_HOST", "NEWSFLASH_API_HOST", "NEWSFLASH_PUSH_HOST"):
            self.expect(re.search(rf"(^|\s){variable}=0\.0\.0\.0(\s|$)", env) is not None,
                        f"{rel}: the image sets {variable}=0.0.0.0 (probes and scrapes come from outside the container)", env)
        self.expect(any(i == "WORKDIR" and v.strip() == "/var/lib/newsflash" for i, v in final["body"]), f"{rel}: WORKDIR /var/lib/newsflash")
        ignore_path = os.path.join(self.root, ".dockerignore")
        if self.expect(os.path.isfile(ignore_path), ".dockerignore: present"):
            with open(ignore_path, encoding="utf-8") as f:
                patterns = {l.strip() for l in f if l.strip() and not l.startswith("#")}
            missing = [p for p in (".build", ".venv", ".local", "var") if p not in patterns]
            self.expect(not missing, ".dockerignore: ignores .build, .venv, .local, var", f"missing {missing}")

    # -- Grafana
    def check_dashboards(self):
        found = False
        for rel, docs in sorted(self.documents.items()):
            if not (rel.startswith("Deploy/grafana/") and rel.endswith(".json")):
                continue
            found = True
            dashboard = docs[0]
            variables = (dashboard.get("templating") or {}).get("list") or []
            datasource_vars = [v["name"] for v in variables if v.get("type") == "datasource" and v.get("query") == "prometheus"]
            self.expect(bool(datasource_vars), f"{rel}: a Prometheus datasource variable")
            panels = list(walk_panels(dashboard.get("panels") or []))
            ids = [p.get("id") for p in panels]
            self.expect(len(ids) == len(set(ids)) and None not in ids, f"{rel}: {len(panels)} panels with unique ids")
            used = set()
            for panel in panels:
                if panel.get("type") == "row":
                    continue
                title = panel.get("title", "?")
                uid = (panel.get("datasource") or {}).get("uid", "")
                self.expect(any(uid == f"${{{v}}}" or uid == f"${v}" for v in datasource_vars),
                            f"{rel}: panel {title!r} uses the datasource variable", uid)
                targets = panel.get("targets") or []
                self.expect(bool(targets) and "gridPos" in panel, f"{rel}: panel {title!r} has queries and a position")
                for target in targets:
                    names = metric_names(target.get("expr", ""))
                    unknown = sorted(n for n in names if n not in METRICS)
                    self.expect(names and not unknown, f"{rel}: panel {title!r} query {target.get('refId')} uses known metrics {sorted(names)}",
                                f"unknown {unknown}")
                    used |= names
            unused = sorted(METRICS - used)
            self.expect(not unused, f"{rel}: every listed metric has a panel", f"none for {unused}")
        self.expect(found, "Deploy/grafana: a dashboard JSON")


    # -- Prometheus alerting rules
    def check_alert_rules(self):
        rel = "Deploy/prometheus/alerts.yaml"
        test_rel = "Deploy/prometheus/alerts.test.yaml"
        docs = self.documents.get(rel)
        if not self.expect(docs and isinstance(docs[0], dict) and docs[0].get("groups"), f"{rel}: present, with rule groups"):
            return
        alerts = []
        for group in docs[0]["groups"]:
            for rule in group.get("rules") or []:
                name = rule.get("alert")
                if not self.expect(bool(name) and "record" not in rule, f"{rel}: group {group.get('name')!r}: an alerting rule", str(rule)[:80]):
                    continue
                alerts.append(name)
                names = metric_names(rule.get("expr", ""))
                unknown = sorted(n for n in names if n not in ALERT_METRICS)
                self.expect(names and not unknown, f"{rel}: {name} uses known metrics {sorted(names)}", f"unknown {unknown}")
                severity = (rule.get("labels") or {}).get("severity")
                self.expect(severity in SEVERITIES, f"{rel}: {name} has a severity of {sorted(SEVERITIES)}", repr(severity))
                annotations = rule.get("annotations") or {}
                self.expect(all(annotations.get(k) for k in ("summary", "description")), f"{rel}: {name} has a summary and a description")
        self.expect(len(alerts) == len(set(alerts)), f"{rel}: {len(alerts)} alerts with distinct names")
        tests = (self.documents.get(test_rel) or [{}])[0] or {}
        cases = [case for test in tests.get("tests") or [] for case in test.get("alert_rule_test") or []]
        for name in alerts:
            fires = any(c.get("alertname") == name and c.get("exp_alerts") for c in cases)
            quiet = any(c.get("alertname") == name and not c.get("exp_alerts") for c in cases)
            self.expect(fires and quiet, f"{test_rel}: {name} is tested firing and quiet",
                        "no case where it fires" if not fires else "no case where it must not fire")
        promtool = shutil.which("promtool") or os.path.join(REPOSITORY, ".local", "bin", "promtool")
        if not os.access(promtool, os.X_OK):
            if os.environ.get("CI") == "true":
                self.problem(f"{rel}: promtool is installed (Deploy/setup.sh puts it in .local/bin)")
            else:
                self.skip(f"{rel}: `promtool check rules` and `promtool test rules`: promtool is not installed (run Deploy/setup.sh)")
            return
        directory = os.path.join(self.root, "Deploy", "prometheus")
        for command, target in (("check", "alerts.yaml"), ("test", "alerts.test.yaml")):
            result = subprocess.run([promtool, command, "rules", target], cwd=directory, capture_output=True, text=True, timeout=120)
            self.expect(result.returncode == 0, f"{rel}: `promtool {command} rules {target}` passes",
                        " ".join((result.stdout + result.stderr).split())[:1500])


def walk_panels(panels):
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels") or [])


def metric_names(expr):
    """The metric names a PromQL expression selects, histogram series by their base name."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges ([$__rate_interval])
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)  # grouping labels
    names = set()
    for match in re.finditer(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in PROMQL_WORDS:
            continue
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in HISTOGRAMS:
                name = name[: -len(suffix)]
        names.add(name)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="repository root holding Deploy/ (default: this script's repository)")
    args = parser.parse_args()
    checker = Checker(os.path.abspath(args.root))
    checker.parse_all()
    checker.check_compose()
    checker.check_k8s()
    checker.check_systemd()
    checker.check_dockerfile()
    checker.check_dashboards()
    checker.check_alert_rules()
    print(f"check_deploy: {checker.checks} checks, {checker.problems} problem{'s' if checker.problems != 1 else ''}")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
