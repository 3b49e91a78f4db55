"""cloud/: the three cloud training job files follow their provider's documented structure, run the same
`manage.py train` command, and that command, run here exactly as they write it, trains a version.

No network and no credentials: the structure checks are written by hand from the providers' reference
pages (cited beside each check); submitting a job to a real cloud is not exercised (cloud/README.md)."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ml_models.core.artifacts import Manifest
from ml_models.core.inference import ServedModel
from training.management.commands.train import METRICS_FILE, output_dir_from

BASE = Path(__file__).resolve().parent.parent
CLOUD = BASE / "cloud"
COMMAND = ["python", "manage.py", "train"]
FLAGS = {"--preset", "--data-dir", "--output-dir"}
PHOTOS_PER_CLASS = 12
# What each placeholder stands for, with an example of the right shape (the patterns below are checked on them).
PLACEHOLDERS = {"PROJECT": "my-project", "REGION": "europe-west1", "BUCKET": "my-bucket", "TAG": "v1", "RUN": "r1",
                "ACCOUNT": "123456789012", "ROLE": "SageMakerTraining", "REGISTRY": "myregistry", "CLUSTER": "cpu"}


def vertex() -> dict:
    return yaml.safe_load((CLOUD / "vertex_job.yaml").read_text())


def sagemaker() -> dict:
    return json.loads((CLOUD / "sagemaker_job.json").read_text())


def azureml() -> dict:
    return yaml.safe_load((CLOUD / "azureml_job.yml").read_text())


def filled(spec):
    """The spec with every placeholder replaced by an example value of the right shape."""
    text = json.dumps(spec)
    for placeholder, example in PLACEHOLDERS.items():
        text = re.sub(rf"\b{placeholder}\b", example, text)
    return json.loads(text)


def argv_of(provider: str) -> list[str]:
    """The command line each provider runs in the container."""
    if provider == "vertex":
        container = vertex()["workerPoolSpecs"][0]["containerSpec"]
        return container["command"] + container["args"]
    if provider == "sagemaker":
        algorithm = sagemaker()["AlgorithmSpecification"]
        return algorithm["ContainerEntrypoint"] + algorithm["ContainerArguments"]
    return shlex.split(azureml()["command"])


def flags_of(argv: list[str]) -> dict[str, str]:
    assert argv[:3] == COMMAND, argv
    rest = argv[3:]
    assert len(rest) % 2 == 0 and all(flag.startswith("--") for flag in rest[::2]), rest
    return dict(zip(rest[::2], rest[1::2]))


def only_keys(mapping: dict, allowed: set[str], where: str) -> None:
    """A misspelt field is ignored or refused by the provider: only documented fields are allowed."""
    assert isinstance(mapping, dict), f"{where} must be an object"
    unknown = set(mapping) - allowed
    assert not unknown, f"{where}: fields not in the provider's reference: {unknown}"


def is_string_list(value) -> bool:
    return isinstance(value, list) and value and all(isinstance(item, str) for item in value)


def test_vertex_job_follows_the_custom_job_spec():
    spec = filled(vertex())
    # https://cloud.google.com/vertex-ai/docs/reference/rest/v1/CustomJobSpec: workerPoolSpecs is required
    only_keys(spec, {"workerPoolSpecs", "baseOutputDirectory", "scheduling", "serviceAccount", "network",
                     "enableWebAccess", "tensorboard", "reservedIpRanges", "persistentResourceId"}, "CustomJobSpec")
    pools = spec["workerPoolSpecs"]
    assert isinstance(pools, list) and len(pools) == 1, "one worker pool: a single machine trains"
    pool = pools[0]
    # https://cloud.google.com/vertex-ai/docs/reference/rest/v1/CustomJobSpec#WorkerPoolSpec
    only_keys(pool, {"machineSpec", "replicaCount", "containerSpec", "pythonPackageSpec", "diskSpec", "nfsMounts"},
              "WorkerPoolSpec")
    assert pool["replicaCount"] == 1  # the first pool is the primary replica: exactly one
    # https://cloud.google.com/vertex-ai/docs/reference/rest/v1/MachineSpec
    only_keys(pool["machineSpec"], {"machineType", "acceleratorType", "acceleratorCount"}, "MachineSpec")
    assert isinstance(pool["machineSpec"]["machineType"], str)
    # https://cloud.google.com/vertex-ai/docs/reference/rest/v1/CustomJobSpec#ContainerSpec: imageUri required
    container = pool["containerSpec"]
    only_keys(container, {"imageUri", "command", "args", "env"}, "ContainerSpec")
    artifact_registry = r"[a-z0-9-]+-docker\.pkg\.dev/[a-z0-9-]+/[a-z0-9-]+/[a-z0-9-]+:[\w.-]+"
    assert re.fullmatch(artifact_registry, container["imageUri"])
    assert is_string_list(container["command"]) and is_string_list(container["args"])
    # https://cloud.google.com/vertex-ai/docs/reference/rest/v1/GcsDestination
    assert set(spec["baseOutputDirectory"]) == {"outputUriPrefix"}
    assert spec["baseOutputDirectory"]["outputUriPrefix"].startswith("gs://")
    # https://cloud.google.com/vertex-ai/docs/reference/rest/v1/CustomJobSpec#Scheduling: a Duration, "7200s"
    assert re.fullmatch(r"\d+s", spec["scheduling"]["timeout"])


def test_vertex_job_writes_where_vertex_points_aip_model_dir():
    spec = vertex()
    # Vertex AI sets AIP_MODEL_DIR = baseOutputDirectory + "/model/" (CustomJobSpec.baseOutputDirectory) and mounts
    # Cloud Storage at /gcs/ (https://cloud.google.com/vertex-ai/docs/training/cloud-storage-file-system)
    aip_model_dir = spec["baseOutputDirectory"]["outputUriPrefix"] + "/model/"
    flags = flags_of(argv_of("vertex"))
    assert Path(flags["--output-dir"]) == output_dir_from(None, {"AIP_MODEL_DIR": aip_model_dir})
    assert flags["--data-dir"].startswith("/gcs/BUCKET/")


def test_sagemaker_job_follows_the_create_training_job_request():
    request = filled(sagemaker())
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html: required members
    required = {"TrainingJobName", "AlgorithmSpecification", "RoleArn", "OutputDataConfig", "ResourceConfig",
                "StoppingCondition"}
    assert required <= set(request)
    only_keys(request, required | {"InputDataConfig", "HyperParameters", "Environment", "Tags", "VpcConfig",
                                   "CheckpointConfig", "EnableManagedSpotTraining", "RetryStrategy"},
              "CreateTrainingJob")
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", request["TrainingJobName"])
    assert re.fullmatch(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+", request["RoleArn"])
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AlgorithmSpecification.html
    algorithm = request["AlgorithmSpecification"]
    only_keys(algorithm, {"TrainingImage", "TrainingInputMode", "ContainerEntrypoint", "ContainerArguments",
                          "MetricDefinitions", "EnableSageMakerMetricsTimeSeries"}, "AlgorithmSpecification")
    assert algorithm["TrainingInputMode"] in {"File", "Pipe", "FastFile"}
    ecr = r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/[a-z0-9-]+:[\w.-]+"
    assert re.fullmatch(ecr, algorithm["TrainingImage"])
    for field in ("ContainerEntrypoint", "ContainerArguments"):
        assert is_string_list(algorithm[field]) and len(algorithm[field]) <= 100
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MetricDefinition.html
    assert all(set(metric) == {"Name", "Regex"} for metric in algorithm["MetricDefinitions"])
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Channel.html and API_S3DataSource.html
    for channel in request["InputDataConfig"]:
        assert re.fullmatch(r"[A-Za-z0-9.\-_]{1,64}", channel["ChannelName"])
        source = channel["DataSource"]["S3DataSource"]
        assert source["S3DataType"] in {"S3Prefix", "ManifestFile", "AugmentedManifestFile"}
        assert re.fullmatch(r"(https|s3)://\S+", source["S3Uri"])
        assert source["S3DataDistributionType"] in {"FullyReplicated", "ShardedByS3Key"}
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OutputDataConfig.html
    assert re.fullmatch(r"(https|s3)://\S+", request["OutputDataConfig"]["S3OutputPath"])
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html
    resources = request["ResourceConfig"]
    assert resources["InstanceType"].startswith("ml.")
    assert isinstance(resources["InstanceCount"], int) and resources["InstanceCount"] >= 1
    assert isinstance(resources["VolumeSizeInGB"], int) and resources["VolumeSizeInGB"] >= 1
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html
    assert isinstance(request["StoppingCondition"]["MaxRuntimeInSeconds"], int)
    # CreateTrainingJob HyperParameters: a map of strings to strings, at most 100 entries
    hyperparameters = request["HyperParameters"]
    assert len(hyperparameters) <= 100
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in hyperparameters.items())


def test_sagemaker_job_reads_its_channel_and_writes_the_model_folder():
    request = sagemaker()
    flags = flags_of(argv_of("sagemaker"))
    # a channel's files arrive in /opt/ml/input/data/<channel>; what is in /opt/ml/model is uploaded to S3OutputPath
    # (https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html)
    assert flags["--data-dir"] == f"/opt/ml/input/data/{request['InputDataConfig'][0]['ChannelName']}"
    assert Path(flags["--output-dir"]) == output_dir_from(None, {"SM_MODEL_DIR": "/opt/ml/model"})
    assert request["HyperParameters"] == {"preset": flags["--preset"]}  # recorded with the job, the same preset


def test_azureml_job_follows_the_command_job_schema():
    job = azureml()
    # https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-command
    assert job["$schema"] == "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"
    only_keys(job, {"$schema", "type", "name", "display_name", "experiment_name", "description", "tags",
                    "command", "code", "environment", "environment_variables", "distribution", "compute",
                    "resources", "limits", "inputs", "outputs", "identity", "services", "queue_settings"},
              "command job")
    assert job["type"] == "command" and isinstance(job["command"], str)
    assert isinstance(job["environment"], dict) and set(job["environment"]) == {"image"}  # an inline environment
    assert re.fullmatch(r"[a-z0-9]+\.azurecr\.io/[a-z0-9-]+:[\w.-]+", filled(job)["environment"]["image"])
    assert job["compute"].startswith("azureml:")
    assert (CLOUD / job["code"] / "manage.py").is_file()  # `code` is a local folder, relative to this file
    # https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-command#job-inputs and #job-outputs
    for name, spec in job["inputs"].items():
        assert spec["type"] in {"uri_file", "uri_folder", "mltable", "mlflow_model", "custom_model"}, name
        assert spec["mode"] in {"ro_mount", "download", "direct", "eval_mount", "eval_download"}, name
        assert spec["path"].startswith(("azureml://", "https://", "wasbs://", "abfss://", "./", "../"))
    for name, spec in job["outputs"].items():
        assert spec["type"] in {"uri_file", "uri_folder", "mltable", "mlflow_model", "custom_model"}, name
        assert spec["mode"] in {"rw_mount", "upload", "direct"}, name
    # every ${{inputs.X}} and ${{outputs.Y}} of the command must name a declared input or output
    for kind, name in re.findall(r"\$\{\{\s*(inputs|outputs)\.(\w+)\s*\}\}", job["command"]):
        assert name in job[kind], f"{kind}.{name}"


def test_the_three_jobs_run_the_same_train_command_in_the_projects_image():
    flags = {provider: flags_of(argv_of(provider)) for provider in ("vertex", "sagemaker", "azureml")}
    assert all(set(found) == FLAGS for found in flags.values()), flags
    assert len({found["--preset"] for found in flags.values()}) == 1, flags
    assert flags["azureml"]["--data-dir"] == "${{inputs.data}}"
    assert flags["azureml"]["--output-dir"] == "${{outputs.model}}"
    # `python manage.py` resolves in the image: the repository is copied into its working directory
    dockerfile = (BASE / "Dockerfile").read_text()
    assert re.search(r"^WORKDIR /app$", dockerfile, re.M) and re.search(r"^COPY \. \.$", dockerfile, re.M)
    images = [vertex()["workerPoolSpecs"][0]["containerSpec"]["imageUri"],
              sagemaker()["AlgorithmSpecification"]["TrainingImage"], azureml()["environment"]["image"]]
    assert {image.split("/")[-1] for image in images} == {"eduai:TAG"}  # one image, pushed to each registry


def test_every_placeholder_is_explained_in_the_readme():
    readme = (CLOUD / "README.md").read_text()
    texts = [(CLOUD / name).read_text() for name in ("vertex_job.yaml", "sagemaker_job.json", "azureml_job.yml")]
    for placeholder in PLACEHOLDERS:
        assert any(re.search(rf"\b{placeholder}\b", text) for text in texts), f"{placeholder} is not used"
        assert f"`{placeholder}`" in readme, f"{placeholder} is not explained in cloud/README.md"


def _dockerfile_env() -> dict[str, str]:
    """The ENV of the project's image (TF_USE_LEGACY_KERAS and the rest), as the job's container has it."""
    line = next(line for line in (BASE / "Dockerfile").read_text().splitlines() if line.startswith("ENV "))
    return dict(item.split("=", 1) for item in shlex.split(line[4:]))


def _real_photos(datasets_dir: Path, folder: Path) -> None:
    """A tiny ImageFolder of the shared photos: 12 cats and 12 dogs."""
    for name in ("cat", "dog"):
        (folder / name).mkdir(parents=True)
        for photo in sorted((datasets_dir / "catsdogs" / name).glob("*.jpg"))[:PHOTOS_PER_CLASS]:
            shutil.copy(photo, folder / name / photo.name)


@pytest.mark.tensorflow
def test_the_sagemaker_command_run_here_trains_a_servable_version_without_the_database(datasets_dir, tmp_path):
    argv = argv_of("sagemaker")
    root = tmp_path / "container"
    # the provider's paths become temporary folders, and the only other change: the smoke preset (seconds)
    local = [arg.replace("/opt/ml/", f"{root}/opt/ml/") for arg in argv]
    local[0], local[local.index("--preset") + 1] = sys.executable, "smoke"
    data, model = Path(local[local.index("--data-dir") + 1]), Path(local[local.index("--output-dir") + 1])
    _real_photos(datasets_dir, data)
    env = {**os.environ, **_dockerfile_env(), "EDUAI_DATA_DIR": str(tmp_path / "data"),
           # set by SageMaker's training toolkit in its framework images; the spec names the folder anyway
           "SM_MODEL_DIR": str(model),
           # a database and a broker that cannot be reached: job mode must never touch either
           "DATABASE_URL": "postgres://nobody@127.0.0.1:9/unreachable", "REDIS_URL": "redis://127.0.0.1:9/0"}
    finished = subprocess.run(local, cwd=BASE, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]

    manifest = Manifest.read(model)
    manifest.verify(model)  # every file present with its sha256
    assert {"model.onnx", "classifier.onnx", "keras.weights.h5"} <= set(manifest.files)
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in manifest.files.values())
    ServedModel.load(model)  # the folder is a version that follows the model contract
    metrics = json.loads((model / METRICS_FILE).read_text())
    assert metrics["images"] == {"cat": PHOTOS_PER_CLASS, "dog": PHOTOS_PER_CLASS}
    assert sum(metrics["splits"].values()) == 2 * PHOTOS_PER_CLASS and metrics["parity_passed"]
    assert metrics["test"] == manifest.metrics["test"] and metrics["config"]["family"] == "student_cnn"
    # SageMaker reads the metric from the log with the spec's own regular expression
    regex = sagemaker()["AlgorithmSpecification"]["MetricDefinitions"][0]["Regex"]
    logged = re.search(regex, finished.stdout)
    assert logged and float(logged.group(1)) == pytest.approx(metrics["test"]["accuracy"], abs=1e-4)

