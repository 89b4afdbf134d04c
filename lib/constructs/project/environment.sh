# First part of every lifecycle script (notebook OnStart, Studio JupyterLab start): the environment module and
# pip. CloudFormation prepends the shebang and the SDS_* values of this project; everything written here is known
# at deploy time. The workspace's own part follows (on-start.sh, studio-start.sh): it reads the owner tags of its
# own resource with the functions defined here (the only AWS API calls).
set -euo pipefail

USER_HOME="${SDS_USER_HOME:-/home/ec2-user}"
METADATA="${SDS_RESOURCE_METADATA:-/opt/ml/metadata/resource-metadata.json}"
MODULE_DIR="$USER_HOME/.sagemaker-environment"
STARTUP_DIR="$USER_HOME/.ipython/profile_default/startup"

mkdir -p "$MODULE_DIR" "$STARTUP_DIR" "$USER_HOME/.config/pip"

# A tag of the workspace resource ARN $1 (a notebook, or a Studio profile): "None" when it has none.
resource_tag() {
  aws sagemaker list-tags --resource-arn "$1" --region "$SDS_REGION" \
    --query "Tags[?Key=='$2'].Value | [0]" --output text
}

# The git identity from the owner tags the workspace product set on resource $1.
git_identity_from() {
  local owner_name owner_email
  owner_name="$(resource_tag "$1" OwnerUserName)"
  owner_email="$(resource_tag "$1" OwnerEmail)"
  if [ -n "$owner_name" ] && [ "$owner_name" != "None" ]; then
    git config --file "$USER_HOME/.gitconfig" user.name "$owner_name"
    git config --file "$USER_HOME/.gitconfig" user.email "$owner_email"
  fi
}

# 1. The environment module notebooks import: `from sagemaker_environment import VPC_SUBNETS, ...`
cat > "$MODULE_DIR/sagemaker_environment.py" <<PYTHON
"""Network, encryption and storage settings of this project, written when the notebook started.

Pass them to every SageMaker job, model and endpoint: IAM refuses create calls without them.
"""

PROJECT_NAME = "${SDS_PROJECT_NAME}"
ENV_TYPE = "${SDS_ENV_TYPE}"
REGION = "${SDS_REGION}"
VPC_ID = "${SDS_VPC_ID}"
VPC_SUBNETS = "${SDS_SUBNET_IDS}".split(",")
VPC_SECURITY_GROUP_IDS = ["${SDS_SECURITY_GROUP_ID}"]
KMS_KEY_ID = "${SDS_KMS_KEY_ARN}"
DATA_BUCKET = "${SDS_DATA_BUCKET}"
MODEL_BUCKET = "${SDS_MODEL_BUCKET}"
PIP_INDEX_URL = "${SDS_PIP_INDEX_URL}"
PROJECT_TAGS = [{"Key": "ProjectName", "Value": PROJECT_NAME}, {"Key": "EnvironmentType", "Value": ENV_TYPE}]

NETWORK_CONFIG = {"VpcConfig": {"Subnets": VPC_SUBNETS, "SecurityGroupIds": VPC_SECURITY_GROUP_IDS}}
# Name every model, model registry group and pipeline with this prefix: only such names are this project's.
MODEL_NAME_PREFIX = "${SDS_MODEL_NAME_PREFIX}"
# Push your own images here, from this network (when the project enables container images).
IMAGE_REPOSITORY = "${SDS_IMAGE_REPOSITORY}"
PYTHON

# Kernels find the module wherever the notebook lives.
cat > "$STARTUP_DIR/00-sagemaker-environment.py" <<PYTHON
import sys

sys.path.insert(0, "$MODULE_DIR")
PYTHON

# 2. pip uses the private mirror, and only the mirror.
{
  echo "[global]"
  echo "index-url = ${SDS_PIP_INDEX_URL}/simple/"
  if [ -n "${SDS_PIP_TRUSTED_HOST}" ]; then
    echo "trusted-host = ${SDS_PIP_TRUSTED_HOST}"
  fi
  echo "timeout = 30"
} > "$USER_HOME/.config/pip/pip.conf"

