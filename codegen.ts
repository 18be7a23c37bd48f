import type { CodegenConfig } from '@graphql-codegen/cli';
import { preset } from '@graphql-codegen/client-preset';

// client-preset 6 is typed against plugin-helpers 7, the CLI (6, the last on Node 20) against 6;
// the preset interface they share is the same, only the profiler type grew.
type OutputPreset = Exclude<
  NonNullable<CodegenConfig['generates'][string] extends infer G ? (G extends { preset?: infer P } ? P : never) : never>,
  string
>;

/**
 * Typed documents for the dashboard: one `.graphql` file per operation in client/src/graphql,
 * checked against the printed schema. The output is committed (test/codegen.test.ts fails
 * when it is stale), so a clean checkout builds and tests without running codegen first.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['client/src/graphql/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'client/src/gql/': {
      // The object, not the name 'client': the CLI would resolve a name to its own older copy.
      preset: preset as unknown as OutputPreset,
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        // Only the types the documents use: a schema change elsewhere does not stale the output.
        onlyOperationTypes: true,
        enumsAsTypes: true,
        skipTypename: true,
        scalars: { File: 'File', DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
