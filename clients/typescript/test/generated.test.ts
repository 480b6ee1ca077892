// The committed API types are what openapi-typescript makes of this engram's /openapi.json: a
// route or schema changed without `npm run generate -- ENGRAM_BINARY` fails here.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

import { TYPES_FILE, fetchSpec, renderTypes } from "../scripts/generate-types.mjs";
import { engramBinary } from "./engram.js";

test("src/generated/openapi.ts matches the server's OpenAPI document", async () => {
  const fresh = await renderTypes(await fetchSpec(engramBinary()));
  const committed = readFileSync(TYPES_FILE, "utf8");
  expect(committed === fresh, "stale: run `npm run generate -- path/to/engram` in clients/typescript").toBe(true);
});
