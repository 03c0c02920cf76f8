"""deploy/aws/template.yaml: cfn-lint finds nothing, and the template does what the
serverless size needs.

cfn-lint (its Python API, ``cfnlint.api.lint_file``) validates SAM resources against
SAM's schemas without running the SAM transform, so it misses wrong enum values such
as an ``AuthType`` or a ``BatchSize`` of 0. The behaviour is therefore asserted here on
the template parsed with cfn-lint's own decoder (``!Ref``, ``!GetAtt``, ``!Sub`` and
``!If`` become ``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``, ...): handlers, the Function
URL, queues and their dead-letter queue, visibility timeouts against function timeouts,
the bucket, secrets kept out of the environment, least-privilege IAM, and an
environment that ``ragtime.settings.Settings`` accepts.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import pytest
from cfnlint.api import lint_file
from cfnlint.config import ManualArgs
from cfnlint.decode.decode import decode_str
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ragtime.settings import Settings
from taskqueue import names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "aws"
TEMPLATE_PATH = DEPLOY / "template.yaml"
REQUIREMENTS_PATH = DEPLOY / "requirements.txt"

GENERATION_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"
# cfn-lint checks resource types and attributes per region; three where Bedrock runs.
LINT_REGIONS = ["us-east-1", "us-west-2", "eu-central-1"]
# cfn-lint warnings we accept, by rule id, each with its reason. None today: the test
# fails on any error or warning. (Informational rules are not run.)
ALLOWED_WARNINGS: dict[str, str] = {}

SECRET_LOOKING = re.compile(r"TOKEN|SECRET|PASSWORD|API_?KEY|DATABASE_URL", re.IGNORECASE)
QUEUE_ENV = {
    "RAGTIME_SQS_ANSWER_QUEUE_URL": names.ANSWER_QUEUE,
    "RAGTIME_SQS_INGEST_QUEUE_URL": names.INGEST_QUEUE,
    "RAGTIME_SQS_MAINTENANCE_QUEUE_URL": names.MAINTENANCE_QUEUE,
}


@cache
def template() -> dict[str, Any]:
    parsed, errors = decode_str(TEMPLATE_PATH.read_text())
    assert not errors, [str(e) for e in errors]
    assert parsed is not None
    decoded: dict[str, Any] = parsed
    return decoded


def resources(kind: str | None = None) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template()["Resources"].items()
        if kind is None or resource["Type"] == kind
    }


def functions() -> dict[str, dict[str, Any]]:
    """Each AWS::Serverless::Function's properties with Globals.Function under them."""
    globals_ = template().get("Globals", {}).get("Function", {})
    merged = {}
    for name, resource in resources("AWS::Serverless::Function").items():
        properties = dict(globals_) | dict(resource["Properties"])
        env = dict(globals_.get("Environment", {}).get("Variables", {}))
        env |= resource["Properties"].get("Environment", {}).get("Variables", {})
        properties["Environment"] = {"Variables": env}
        merged[name] = properties
    return merged


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def get_att(name: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [name, attribute]}


def queue_of_logical_id() -> dict[str, str]:
    """Queue logical id -> ragtime queue name, from the environment the code reads."""
    env = template()["Globals"]["Function"]["Environment"]["Variables"]
    return {env[key]["Ref"]: queue for key, queue in QUEUE_ENV.items()}


def sqs_events() -> list[tuple[str, str, dict[str, Any]]]:
    """(function, queue logical id, event properties) for every SQS event source."""
    found = []
    for name, properties in functions().items():
        for event in properties.get("Events", {}).values():
            if event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]
                assert queue.get("Fn::GetAtt", [None, None])[1] == "Arn", queue
                found.append((name, queue["Fn::GetAtt"][0], event["Properties"]))
    return found


def branches(node: Any) -> list[Any]:
    """Every value ``node`` can take: both sides of each Fn::If, AWS::NoValue dropped."""
    if isinstance(node, dict) and set(node) == {"Fn::If"}:
        _condition, yes, no = node["Fn::If"]
        return [v for side in (yes, no) for v in branches(side)]
    if node == ref("AWS::NoValue"):
        return []
    return [node]


def as_list(node: Any) -> list[Any]:
    """A property that is one value or a list, as a list of every value it can hold."""
    found = []
    for value in branches(node):
        for item in value if isinstance(value, list) else [value]:
            found += branches(item)
    return found


def statements(role: str) -> list[dict[str, Any]]:
    found = []
    for policy in resources("AWS::IAM::Role")[role]["Properties"].get("Policies", []):
        for statement in as_list(policy["PolicyDocument"]["Statement"]):
            found.append(statement)
    return found


def actions(statement: dict[str, Any]) -> set[str]:
    return set(as_list(statement["Action"]))


# ------------------------------------------------------------------ cfn-lint


def test_cfn_lint_finds_no_error_and_no_warning() -> None:
    matches = lint_file(TEMPLATE_PATH, config=ManualArgs(regions=LINT_REGIONS))
    problems = [
        f"{m.rule.id} line {m.linenumber}: {m.message}"
        for m in matches
        if m.rule.id[0] == "E" or (m.rule.id[0] == "W" and m.rule.id not in ALLOWED_WARNINGS)
    ]
    assert problems == []


def test_cfn_lint_is_really_looking(tmp_path: Path) -> None:
    """The same call reports a broken copy of the template (a property SAM doesn't have)."""
    broken = TEMPLATE_PATH.read_text().replace(
        "Handler: bot.lambda_handler.handler",
        "Handler: bot.lambda_handler.handler\n      Handlr: x",
    )
    copy = tmp_path / "template.yaml"
    copy.write_text(broken)
    matches = lint_file(copy, config=ManualArgs(regions=LINT_REGIONS[:1]))
    assert any(m.rule.id == "E3002" for m in matches), [str(m) for m in matches]


# ------------------------------------------------------------------ functions


def test_handlers_are_the_lambda_entry_points_and_exist() -> None:
    assert template()["Transform"] == "AWS::Serverless-2016-10-31"
    handlers = {name: p["Handler"] for name, p in functions().items()}
    assert handlers == {
        "BotFunction": "bot.lambda_handler.handler",
        "AnswerWorkerFunction": "worker.lambda_handler.handler",
        "BackgroundWorkerFunction": "worker.lambda_handler.handler",
    }
    for handler in set(handlers.values()):
        module, function = handler.rsplit(".", 1)
        source = ROOT / (module.replace(".", "/") + ".py")
        defined = {
            node.name
            for node in ast.parse(source.read_text()).body
            if isinstance(node, ast.FunctionDef)
        }
        assert function in defined, f"{source} defines no {function}()"


def test_one_code_package_from_the_repository_root() -> None:
    for properties in functions().values():
        assert (TEMPLATE_PATH.parent / properties["CodeUri"]).resolve() == ROOT
        assert properties["Runtime"] == "python3.11"
        assert properties["Architectures"] in (["x86_64"], ["arm64"])


def test_bot_is_behind_a_public_function_url_and_fast() -> None:
    bot = functions()["BotFunction"]
    assert bot["FunctionUrlConfig"]["AuthType"] == "NONE"  # Slack signs; the handler checks
    assert bot["Timeout"] <= 15
    assert bot["MemorySize"] >= 1024
    assert "Events" not in bot  # it consumes no queue
    outputs = template()["Outputs"]
    assert outputs["BotFunctionUrl"]["Value"] == get_att("BotFunctionUrl", "FunctionUrl")
    assert outputs["SlackRequestUrl"]["Value"] == {
        "Fn::Sub": "${BotFunctionUrl.FunctionUrl}slack/events"
    }


def test_outputs_name_queues_bucket_and_dead_letter_queue() -> None:
    outputs = template()["Outputs"]
    assert outputs["AnswerQueueUrl"]["Value"] == ref("AnswerQueue")
    assert outputs["IngestQueueUrl"]["Value"] == ref("IngestQueue")
    assert outputs["MaintenanceQueueUrl"]["Value"] == ref("MaintenanceQueue")
    assert outputs["DeadLetterQueueArn"]["Value"] == get_att("DeadLetterQueue", "Arn")
    assert outputs["OriginalsBucketName"]["Value"] == ref("OriginalsBucket")


# ------------------------------------------------------------------ queues


def test_each_queue_redrives_to_the_one_dead_letter_queue() -> None:
    from worker.lambda_handler import MAX_RECEIVES

    queues = resources("AWS::SQS::Queue")
    assert set(queues) == {*queue_of_logical_id(), "DeadLetterQueue"}
    retention = {"answer": 3600, "ingest": 4 * 86400, "maintenance": 4 * 86400}
    for logical_id, queue in queue_of_logical_id().items():
        properties = queues[logical_id]["Properties"]
        assert properties["RedrivePolicy"] == {
            "deadLetterTargetArn": get_att("DeadLetterQueue", "Arn"),
            "maxReceiveCount": 5,
        }
        assert properties["SqsManagedSseEnabled"] is True
        assert properties["MessageRetentionPeriod"] == retention[queue]
    # The worker handler tells the person on the last receive: the same count.
    assert MAX_RECEIVES == 5
    dead = queues["DeadLetterQueue"]["Properties"]
    assert dead["SqsManagedSseEnabled"] is True
    assert "RedrivePolicy" not in dead
    assert dead["MessageRetentionPeriod"] == 14 * 86400 > max(retention.values())


def test_visibility_timeouts_are_six_times_the_consuming_function_timeout() -> None:
    from worker.lambda_handler import TIME_NEEDED_MS

    queues = resources("AWS::SQS::Queue")
    consumed = {}
    for function, queue_id, event in sqs_events():
        timeout = functions()[function]["Timeout"]
        visibility = queues[queue_id]["Properties"]["VisibilityTimeout"]
        window = event.get("MaximumBatchingWindowInSeconds", 0)
        assert visibility >= 6 * timeout + window, (queue_id, visibility, timeout)
        # The handler hands back a message it cannot start with this much time left.
        assert TIME_NEEDED_MS[queue_of_logical_id()[queue_id]] < timeout * 1000
        consumed[queue_id] = function
    assert set(consumed) == set(queue_of_logical_id())  # every queue has one consumer
    assert functions()["BackgroundWorkerFunction"]["Timeout"] == 900
    assert functions()["AnswerWorkerFunction"]["Timeout"] <= 180


def test_worker_mappings_report_batch_item_failures() -> None:
    events = sqs_events()
    assert {function for function, _, _ in events} == {
        "AnswerWorkerFunction",
        "BackgroundWorkerFunction",
    }
    for _function, queue_id, event in events:
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert 1 <= event["BatchSize"] <= 10
        if queue_of_logical_id()[queue_id] == names.ANSWER_QUEUE:
            assert event["BatchSize"] == 1
            assert event["MaximumBatchingWindowInSeconds"] == 0


def test_dead_letter_queue_raises_an_alarm() -> None:
    (alarm,) = resources("AWS::CloudWatch::Alarm").values()
    p = alarm["Properties"]
    assert p["Namespace"] == "AWS/SQS"
    assert p["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert p["Dimensions"] == [
        {"Name": "QueueName", "Value": get_att("DeadLetterQueue", "QueueName")}
    ]
    assert (p["ComparisonOperator"], p["Threshold"]) == ("GreaterThanThreshold", 0)


# ------------------------------------------------------------------ bucket


def test_bucket_is_private_encrypted_and_kept() -> None:
    ((name, bucket),) = resources("AWS::S3::Bucket").items()
    assert bucket["DeletionPolicy"] == "Retain"
    p = bucket["Properties"]
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert p["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    defaults = branches(rule["ServerSideEncryptionByDefault"])
    assert {"SSEAlgorithm": "AES256"} in defaults
    assert {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": ref("S3KmsKeyArn")} in defaults
    assert all(d["SSEAlgorithm"] in ("AES256", "aws:kms") for d in defaults)

    (policy,) = resources("AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == ref(name)
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [get_att(name, "Arn"), {"Fn::Sub": "${" + name + ".Arn}/*"}]


# ------------------------------------------------------------------ secrets and environment


def test_no_secret_in_any_environment() -> None:
    envs = [template()["Globals"]["Function"].get("Environment", {}).get("Variables", {})]
    envs += [
        r["Properties"].get("Environment", {}).get("Variables", {}) for r in resources().values()
    ]
    for env in envs:
        for key, value in env.items():
            assert key == "RAGTIME_SECRETS_ID" or not SECRET_LOOKING.search(key), key
            assert "resolve:" not in str(value), key  # no {{resolve:secretsmanager:...}}
    # Nor a parameter that would carry a secret value into the template.
    for parameter in template()["Parameters"]:
        assert parameter == "SecretArn" or not re.search(
            r"token|secret|password|api_?key|signing|database", parameter, re.IGNORECASE
        ), parameter
    # The functions get the secret's ARN, and only that.
    secret = {"Fn::If": ["CreateSecret", ref("RagtimeSecret"), ref("SecretArn")]}
    for properties in functions().values():
        assert properties["Environment"]["Variables"]["RAGTIME_SECRETS_ID"] == secret
    assert (
        "SecretString"
        not in resources("AWS::SecretsManager::Secret")["RagtimeSecret"]["Properties"]
    )


def test_environment_names_are_settings() -> None:
    """ragtime refuses to start on an unknown RAGTIME_ name; Lambda sets AWS_REGION itself."""
    prefixed = {f"RAGTIME_{field.upper()}" for field in Settings.model_fields}
    aliases = {
        choice
        for field in Settings.model_fields.values()
        for choice in getattr(field.validation_alias, "choices", [])
    }
    for name, properties in functions().items():
        for key in properties["Environment"]["Variables"]:
            assert key in prefixed or key in aliases, (name, key)
            assert not key.startswith(("AWS_", "LAMBDA_", "_")), (name, key)


# A deployment with every option taken, to check the other side of each condition.
ALL_OPTIONS = {
    "WeaviateUrl": "https://demo-abc123.c0.europe-west3.gcp.weaviate.cloud",
    "WeaviateGrpcUrl": "grpc-demo-abc123.c0.europe-west3.gcp.weaviate.cloud:443",
    "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ragtime-AbCdEf",
    "S3KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "EnableBucketVersioning": "true",
    "SubnetIds": "subnet-0a1b2c3d,subnet-4e5f6a7b",
    "SecurityGroupIds": "sg-0123456789abcdef0",
    "AdminUserIds": "U0123ABCD,U0456EFGH",
    "BotReservedConcurrency": "20",
    "AlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:ragtime-alarms",
}
PSEUDO = {"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012"}
NO_VALUE = object()


class Deployment:
    """The template's values for some parameters: a small evaluator of the intrinsics used."""

    def __init__(self, given: dict[str, str]) -> None:
        self.params: dict[str, Any] = {}
        for name, spec in template()["Parameters"].items():
            value = str(given.get(name, spec.get("Default", "")))
            if "AllowedPattern" in spec:
                assert re.fullmatch(spec["AllowedPattern"], value), (name, value)
            if "AllowedValues" in spec:
                assert value in [str(v) for v in spec["AllowedValues"]], (name, value)
            is_list = spec["Type"] == "CommaDelimitedList"
            self.params[name] = value.split(",") if is_list else value
        self.conditions: dict[str, bool] = {}
        for name, condition in template()["Conditions"].items():
            self.conditions[name] = bool(self.value(condition))

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key in self.INTRINSICS:
                return self.INTRINSICS[key](self, arg)
        values = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in values.items() if v is not NO_VALUE}

    def _if(self, arg: list[Any]) -> Any:
        condition, yes, no = arg
        return self.value(yes if self.conditions[condition] else no)

    def _equals(self, arg: list[Any]) -> bool:
        left, right = (self.value(a) for a in arg)
        return str(left) == str(right)

    def _sub(self, arg: str) -> str:
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._ref(m.group(1))), arg)

    INTRINSICS: ClassVar[dict[str, Callable[[Deployment, Any], Any]]] = {
        "Ref": lambda self, arg: self._ref(arg),
        "Fn::If": _if,
        "Fn::Equals": _equals,
        "Fn::Not": lambda self, arg: not self.value(arg[0]),
        "Fn::Join": lambda self, arg: arg[0].join(self.value(arg[1])),
        "Fn::GetAtt": lambda self, arg: f"<{arg[0]}.{arg[1]}>",
        "Fn::Sub": _sub,
    }

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.params:
            return self.params[name]
        kind = template()["Resources"][name]["Type"]
        return {
            "AWS::SQS::Queue": f"https://sqs.us-east-1.amazonaws.com/123456789012/ragtime-{name}-X1Y2",
            "AWS::S3::Bucket": f"ragtime-{name.lower()}-x1y2",
            "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-Ab12Cd",
        }.get(kind, f"<{name}>")


@pytest.mark.parametrize("given", [{}, ALL_OPTIONS], ids=["defaults", "all-options"])
def test_environment_makes_valid_settings(
    given: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = Deployment({"WeaviateUrl": "https://weaviate.example.com"} | given)
    known = {f"RAGTIME_{field.upper()}" for field in Settings.model_fields} | {
        choice
        for field in Settings.model_fields.values()
        for choice in getattr(field.validation_alias, "choices", [])
    }
    for name, properties in functions().items():
        for key in known | {"AWS_DEFAULT_REGION"}:
            monkeypatch.delenv(key, raising=False)
        env = deployment.value(properties["Environment"]["Variables"])
        for key, value in (env | {"AWS_REGION": "us-east-1"}).items():
            monkeypatch.setenv(key, str(value))
        settings = Settings()  # what load_settings builds before it reads the secret
        assert settings.secrets_id == (
            given.get("SecretArn") or deployment.value(ref("RagtimeSecret"))
        )
        assert (settings.vector_store, settings.embedder, settings.generator) == (
            "weaviate",
            "bedrock",
            "bedrock",
        )
        assert settings.resolved_broker_url == "sqs://", name
        assert settings.blob_store == "s3" and settings.s3_bucket
        assert settings.s3_encryption == ("aws:kms" if "S3KmsKeyArn" in given else "AES256")
        assert settings.s3_kms_key_id == given.get("S3KmsKeyArn")
        assert settings.weaviate_grpc_url == given.get("WeaviateGrpcUrl")
        assert settings.bedrock_generation_model == GENERATION_MODEL
        assert settings.bedrock_embedding_model == EMBEDDING_MODEL
        assert str(settings.data_dir).startswith("/tmp/")  # the only writable place on Lambda
        assert settings.slack_bot_token is None and settings.database_url is None


# ------------------------------------------------------------------ IAM


def test_every_function_has_an_explicit_role_and_no_generated_policies() -> None:
    """SAM would attach AWSLambdaSQSQueueExecutionRole (every queue) to a generated role."""
    for name, properties in functions().items():
        role = properties["Role"]
        assert role.get("Fn::GetAtt", [None, None])[1] == "Arn", name
        assert "Policies" not in properties, name
    vpc = {
        "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    }
    for name, role in resources("AWS::IAM::Role").items():
        managed = role["Properties"].get("ManagedPolicyArns", [])
        # The one managed policy, only with SubnetIds: ENI actions have no resource-level form.
        assert managed == {"Fn::If": ["UseVpc", [vpc], ref("AWS::NoValue")]}, name
    assert not resources("AWS::IAM::Policy") and not resources("AWS::IAM::ManagedPolicy")


def test_no_wildcard_resource_or_action() -> None:
    for role in resources("AWS::IAM::Role"):
        for statement in statements(role):
            assert statement["Effect"] == "Allow"
            for resource in as_list(statement["Resource"]):
                assert resource != "*" and not (
                    isinstance(resource, str) and resource.endswith(":*")
                ), (
                    role,
                    statement.get("Sid"),
                )
            for action in actions(statement):
                assert "*" not in action, (role, action)


def test_bedrock_names_exactly_the_two_models() -> None:
    params = template()["Parameters"]
    assert params["BedrockGenerationModel"]["Default"] == GENERATION_MODEL
    assert params["BedrockEmbeddingModel"]["Default"] == EMBEDDING_MODEL
    model = "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${%s}"
    bedrock = [
        (role, s)
        for role in resources("AWS::IAM::Role")
        for s in statements(role)
        if any(a.startswith("bedrock:") for a in actions(s))
    ]
    assert [role for role, _ in bedrock] == ["WorkerRole"]
    (_, statement) = bedrock[0]
    assert actions(statement) == {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}
    assert as_list(statement["Resource"]) == [
        {"Fn::Sub": model % "BedrockGenerationModel"},
        {"Fn::Sub": model % "BedrockEmbeddingModel"},
    ]
    # The ARNs the defaults make.
    arns = [
        Deployment({"WeaviateUrl": "https://w.example.com"}).value(r)
        for r in as_list(statement["Resource"])
    ]
    assert arns == [
        f"arn:aws:bedrock:us-east-1::foundation-model/{GENERATION_MODEL}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{EMBEDDING_MODEL}",
    ]


def test_bot_may_only_enqueue_read_the_secret_and_log() -> None:
    queues = [get_att(q, "Arn") for q in queue_of_logical_id()]
    allowed = {"logs:CreateLogStream", "logs:PutLogEvents", "secretsmanager:GetSecretValue"}
    for statement in statements("BotRole"):
        if any(a.startswith("sqs:") for a in actions(statement)):
            assert actions(statement) == {
                "sqs:SendMessage",
                "sqs:GetQueueUrl",
                "sqs:GetQueueAttributes",
            }
            assert sorted(map(str, as_list(statement["Resource"]))) == sorted(map(str, queues))
        else:
            assert actions(statement) <= allowed, actions(statement)


def test_worker_reaches_its_queues_originals_key_and_secret_only() -> None:
    by_sid = {s["Sid"]: s for s in statements("WorkerRole")}
    queues = sorted(str(get_att(q, "Arn")) for q in queue_of_logical_id())
    assert {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:SendMessage",
    } <= actions(by_sid["Queues"])
    assert sorted(map(str, as_list(by_sid["Queues"]["Resource"]))) == queues
    # Objects only under the prefix the code writes (Settings.s3_prefix).
    prefix = Settings.model_fields["s3_prefix"].default
    assert prefix == "ragtime/originals/"
    assert actions(by_sid["Originals"]) == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    assert by_sid["Originals"]["Resource"] == {"Fn::Sub": "${OriginalsBucket.Arn}/" + prefix + "*"}
    assert actions(by_sid["OriginalsMissingIs404"]) == {"s3:ListBucket"}
    assert by_sid["OriginalsMissingIs404"]["Resource"] == get_att("OriginalsBucket", "Arn")
    # The KMS key only with the parameter, and only through S3.
    assert actions(by_sid["OriginalsKey"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert by_sid["OriginalsKey"]["Resource"] == ref("S3KmsKeyArn")
    assert "kms:ViaService" in by_sid["OriginalsKey"]["Condition"]["StringEquals"]
    kms_entry = [s for s in resources("AWS::IAM::Role")["WorkerRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"] if "Fn::If" in s]  # fmt: skip
    assert [s["Fn::If"][0] for s in kms_entry] == ["UseKms"]
    secret = {"Fn::If": ["CreateSecret", ref("RagtimeSecret"), ref("SecretArn")]}
    for role in ("BotRole", "WorkerRole"):
        (read,) = [s for s in statements(role) if "secretsmanager:GetSecretValue" in actions(s)]
        assert read["Resource"] == secret


# ------------------------------------------------------------------ build


def test_requirements_cover_the_project_dependencies() -> None:
    """sam build reads deploy/aws/requirements.txt, not pyproject.toml: they must agree."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [
        Requirement(r)
        for extra in ("aws", "weaviate")
        for r in project["optional-dependencies"][extra]
    ]
    lines = [line.split("#")[0].strip() for line in REQUIREMENTS_PATH.read_text().splitlines()]
    have = {canonicalize_name(r.name): r for r in (Requirement(line) for line in lines if line)}
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in have, f"deploy/aws/requirements.txt lacks {requirement}"
        assert have[name].extras == requirement.extras, name
        # The same bounds; the file may add a narrower one (numpy for Amazon Linux 2).
        assert {str(s) for s in requirement.specifier} <= {str(s) for s in have[name].specifier}, (
            name
        )
    for heavy in ("torch", "sentence-transformers"):
        assert heavy not in have  # the `local` extra never goes to Lambda
    assert "--manifest deploy/aws/requirements.txt" in TEMPLATE_PATH.read_text()
