#!/usr/bin/env bash
# Regenerates the typed client (Client.Sdk/Generated) with Kiota from the OpenAPI document the gateway serves: the same
# generation the drift test (Tests/Ates.Api.Tests/GeneratedClientTests.cs) runs, told to write instead of compare.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet build Tests/Ates.Api.Tests -c Release -nologo -v quiet
ATES_WRITE_GENERATED_CLIENT=1 dotnet test Tests/Ates.Api.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~GeneratedClientTests.The_checked_in_client_is_what_kiota_generates_from_the_served_document"
dotnet build Client.Sdk -c Release -nologo -v quiet
echo "Client.Sdk/Generated regenerated; review with git diff and commit it with the route change."
