// Spectral custom function: an operation documents the error statuses the server's extractors
// produce for what the operation accepts (see tests/clients/lint/spectral.yaml).
//   UUID path parameters -> 400 (invalid_path_parameter: a malformed UUID)
//   a JSON request body  -> 400 (malformed_json), 415 (unsupported_media_type), 422 (invalid_body / validation_failed)
//   query parameters     -> 400 (invalid_query_parameter)
//   Idempotency-Key      -> 400 (invalid_header), 422 (idempotency_key_reused)
export default function documentedErrors(operation, _options, context) {
  if (!operation || typeof operation !== "object") return [];
  const responses = operation.responses || {};
  const params = Array.isArray(operation.parameters) ? operation.parameters : [];
  const needs = new Map();
  const need = (status, why) => {
    if (!needs.has(status)) needs.set(status, why);
  };
  const isUuid = (p) => p && p.schema && p.schema.format === "uuid";
  if (params.some((p) => p && p.in === "path" && isUuid(p))) need("400", "a malformed UUID in the path");
  if (params.some((p) => p && p.in === "query")) need("400", "an invalid query parameter");
  if (params.some((p) => p && p.in === "header" && String(p.name).toLowerCase() === "idempotency-key")) {
    need("400", "a malformed Idempotency-Key");
    need("422", "an Idempotency-Key reused with another request");
  }
  const content = (operation.requestBody && operation.requestBody.content) || {};
  if (content["application/json"]) {
    need("400", "malformed JSON");
    need("415", "a body that is not application/json");
    need("422", "a JSON body of the wrong shape");
  }
  const results = [];
  for (const [status, why] of needs) {
    if (!(status in responses)) {
      results.push({ message: `${operation.operationId || "operation"}: document ${status} (${why})`, path: [...context.path, "responses"] });
    }
  }
  return results;
}
