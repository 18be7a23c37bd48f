import { readFileSync } from 'node:fs';
import { isEnumType, isInputObjectType, isInterfaceType, isNonNullType, isObjectType, isScalarType, type GraphQLNamedType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../schema/index.js';
import { printedSchema, SCHEMA_FILE } from '../../schema/print.js';

const ownTypes = () =>
  Object.values(schema.getTypeMap()).filter(
    (t) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name),
  );

describe('schema', () => {
  it('matches the checked-in schema/schema.graphql (run `npm run schema:print` after changing the schema)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    const check = (where: string, d: string | null | undefined) => !d?.trim() && missing.push(where);
    for (const t of ownTypes() as GraphQLNamedType[]) {
      check(t.name, t.description);
      if (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t)) {
        for (const f of Object.values(t.getFields())) {
          check(`${t.name}.${f.name}`, f.description);
          for (const a of 'args' in f ? f.args : []) check(`${t.name}.${f.name}(${a.name})`, a.description);
        }
      }
      if (isEnumType(t)) for (const v of t.getValues()) check(`${t.name}.${v.name}`, v.description);
      if (isScalarType(t)) check(t.name, t.description);
    }
    expect(missing).toEqual([]);
  });

  it('keeps the public contract names', () => {
    const fields = (name: string) => Object.keys((schema.getType(name) as { getFields(): object }).getFields());
    expect(fields('Query')).toEqual(expect.arrayContaining(['model', 'examples', 'image', 'job', 'jobs']));
    expect(fields('Mutation')).toEqual(expect.arrayContaining(['uploadImage', 'startAttribution', 'compareMethods', 'cancelJob']));
    expect(fields('Subscription').sort()).toEqual(['jobProgress', 'layerSprites', 'spritemapProgress']);
    expect(fields('AttributionInput')).toEqual(
      expect.arrayContaining(['imageId', 'layer', 'class1', 'class2', 'method', 'steps', 'rule', 'seed', 'topK', 'chunkSteps']),
    );
    expect(fields('AttributionResult')).toEqual(
      expect.arrayContaining(['values', 'top', 'bottom', 'score', 'baselineScore', 'completenessGap', 'rankStability', 'heatmap']),
    );
    expect(fields('AttributionProgress')).toEqual(
      expect.arrayContaining([
        'job',
        'stepsDone',
        'stepsTotal',
        'top',
        'bottom',
        'values',
        'completenessGap',
        'rankStability',
        'elapsedMs',
        'etaMs',
        'done',
      ]),
    );
    expect(fields('AttributionJob')).toEqual(
      expect.arrayContaining([
        'input',
        'status',
        'stepsDone',
        'stepsTotal',
        'backend',
        'createdAt',
        'startedAt',
        'finishedAt',
        'error',
        'result',
      ]),
    );
    expect(fields('Image')).toEqual(expect.arrayContaining(['id', 'width', 'height', 'url', 'predictions']));
    const values = (name: string) =>
      (schema.getType(name) as unknown as { getValues(): { name: string }[] }).getValues().map((v) => v.name);
    expect(values('AttributionMethod')).toEqual(['SIMPLE', 'PATH', 'STOCHASTIC_PATH']);
    expect(values('QuadratureRule')).toEqual(['LEFT_RIEMANN', 'TRAPEZOID', 'MIDPOINT', 'GAUSS_LEGENDRE', 'SIDI', 'SQUARED']);
    expect(values('JobStatus')).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED']);
  });

  it('makes fields non-null by default (defaultFieldNullability: false)', () => {
    const query = schema.getQueryType()!.getFields();
    expect(isNonNullType(query.model.type)).toBe(true);
    expect(isNonNullType(query.job.type)).toBe(false); // nullable on purpose: an unknown id gives null
    expect(String(schema.getSubscriptionType()!.getFields().jobProgress.type)).toBe('AttributionProgress!');
  });
});
