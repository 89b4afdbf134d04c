# 3. git identity from the owner tags of the space's user profile (set by the SageMaker Studio user product).
if [ -f "$METADATA" ]; then
  read -r app_arn domain_id space_name profile_name < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m.get("ResourceArn", "-"), m.get("DomainId", "-"), m.get("SpaceName") or "-", m.get("UserProfileName") or "-")
' "$METADATA")
  # A private space names its owner; the metadata of older images does not.
  if [ "$profile_name" = "-" ] && [ "$space_name" != "-" ]; then
    profile_name="$(aws sagemaker describe-space --domain-id "$domain_id" --space-name "$space_name" \
      --region "$SDS_REGION" --query OwnershipSettings.OwnerUserProfileName --output text)"
  fi
  if [ -n "$profile_name" ] && [ "$profile_name" != "-" ] && [ "$profile_name" != "None" ]; then
    # arn:<partition>:sagemaker:<region>:<account>:app/... -> the profile's ARN in the same account.
    git_identity_from "$(echo "$app_arn" | cut -d: -f1-5):user-profile/$domain_id/$profile_name"
  fi
fi

# Idle apps are shut down by SageMaker itself (the domain's idle settings), not by a script.
echo "sagemaker environment configured for project ${SDS_PROJECT_NAME} (${SDS_ENV_TYPE})"
