// GraphQL Code Generator's client-preset over the gateway's trusted documents, with
// persistedDocuments on: the persisted-documents.json it writes is the manifest a frontend built
// this way ships (GATEWAY_TRUSTED_DOCUMENTS_FILE). tests/e2e/test_js_conformance.py runs it
// with CODEGEN_OUT set to a temporary folder.
import type { CodegenConfig } from "@graphql-codegen/cli";

const out = process.env.CODEGEN_OUT ?? "generated";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["../../resolvers/documents/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    [`${out}/`]: {
      preset: "client",
      presetConfig: { persistedDocuments: true },
    },
  },
};

export default config;
