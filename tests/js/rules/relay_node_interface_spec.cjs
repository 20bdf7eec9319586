'use strict';
// Relay's Global Object Identification, which graphql-schema-linter has no rule for: a `Node`
// interface with `id: ID!`, and `Query.node(id: ID!): Node` to refetch any object by that id.
const { ValidationError } = require('graphql-schema-linter/lib/validation_error');

const RULE = 'relay-node-interface-spec';

function RelayNodeInterfaceSpec(context) {
  return {
    Document: {
      leave(document) {
        const schema = context.getSchema();
        const report = (message, node) =>
          context.reportError(new ValidationError(RULE, message, [node || document]));
        const nodeType = schema.getType('Node');
        if (!nodeType || nodeType.constructor.name !== 'GraphQLInterfaceType') {
          report('A `Node` interface is required as per the Relay spec.');
          return;
        }
        const id = nodeType.getFields().id;
        if (!id || String(id.type) !== 'ID!') {
          report('The `Node` interface must have an `id: ID!` field.', nodeType.astNode);
        }
        const query = schema.getQueryType();
        const field = query && query.getFields().node;
        if (!field) {
          report('The query type must have a `node(id: ID!): Node` field.', query && query.astNode);
          return;
        }
        const arg = field.args.find((a) => a.name === 'id');
        if (String(field.type) !== 'Node' || !arg || String(arg.type) !== 'ID!') {
          report('`node` must take `id: ID!` and return a nullable `Node`.', field.astNode);
        }
        if (schema.getImplementations(nodeType).objects.length === 0) {
          report('No object type implements `Node`.', nodeType.astNode);
        }
      },
    },
  };
}

module.exports = { RelayNodeInterfaceSpec };
