// GraphQL Code Generator configuration for a TypeScript client of the gateway.
// npm i -D @graphql-codegen/cli @graphql-codegen/client-preset
// npx graphql-codegen --config examples/codegen.ts
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  // The schema is public: the gateway's repository ships it (or export it with
  // `usage-gateway export-schema > schema.graphql`).
  schema: "schema.graphql",
  documents: ["src/**/*.graphql"],
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        // Exact decimals travel as strings ("12.50"): keep them strings, never numbers.
        scalars: {
          Decimal: { input: "string", output: "string" },
          DateTime: { input: "string", output: "string" },
          Date: { input: "string", output: "string" },
        },
        enumsAsTypes: true,
      },
      // Persisted queries: emit each document's sha256 for Apollo's persisted-query link, and
      // persisted-documents.json ({"sha256:<hex>": document}); deploy that file with the build
      // and point the gateway's GATEWAY_TRUSTED_DOCUMENTS_FILE at it, so the documents are
      // known (and trusted) by their id from the first request.
      presetConfig: { persistedDocuments: true },
    },
  },
};

export default config;
