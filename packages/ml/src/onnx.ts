/**
 * ONNX export of a compiled (calibrated) model with the ai.onnx.ml operators: LinearClassifier for
 * logistic regression, TreeEnsembleClassifier for trees, forests and boosting, both with a LOGISTIC
 * post-transform. Input `features` float32 [N, p]; outputs `label` int64 [N] and `probabilities`
 * float32 [N, 2] (column 1 = churn).
 */
import onnxProto from 'onnx-proto';
import type { CompiledModel } from './calibration.ts';

const { onnx } = onnxProto;
type IAttr = onnxProto.onnx.IAttributeProto;
type IType = onnxProto.onnx.ITypeProto;
type INode = onnxProto.onnx.INodeProto;

const ATTR = onnx.AttributeProto.AttributeType;

function floats(name: string, values: number[]): IAttr {
  return { name, type: ATTR.FLOATS, floats: values.map((v) => Math.fround(v)) };
}
function ints(name: string, values: number[]): IAttr {
  return { name, type: ATTR.INTS, ints: values };
}
function strings(name: string, values: string[]): IAttr {
  return { name, type: ATTR.STRINGS, strings: values.map((v) => new TextEncoder().encode(v)) };
}
function str(name: string, value: string): IAttr {
  return { name, type: ATTR.STRING, s: new TextEncoder().encode(value) };
}

function tensorType(elem: number, dims: (number | string)[]): IType {
  return {
    tensorType: {
      elemType: elem,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

export interface OnnxMetadata {
  /** Feature names in input order (stored as metadata `features`, JSON). */
  features: readonly string[];
  [key: string]: unknown;
}

/** Serialises the model; the result can be written to `model.onnx` or given to onnxruntime. */
export function toOnnx(model: CompiledModel, meta: OnnxMetadata): Uint8Array {
  const p = meta.features.length;
  let node: INode;
  if (model.kind === 'linear') {
    node = {
      opType: 'LinearClassifier',
      domain: 'ai.onnx.ml',
      name: 'churn',
      input: ['features'],
      output: ['label', 'probabilities'],
      attribute: [
        floats('coefficients', model.weights),
        floats('intercepts', [model.bias]),
        ints('classlabels_ints', [0, 1]),
        str('post_transform', 'LOGISTIC'),
        { name: 'multi_class', type: ATTR.INT, i: 0 },
      ],
    };
  } else {
    const nodesTree: number[] = [];
    const nodesId: number[] = [];
    const nodesFeature: number[] = [];
    const nodesValue: number[] = [];
    const nodesMode: string[] = [];
    const nodesTrue: number[] = [];
    const nodesFalse: number[] = [];
    const nodesMissing: number[] = [];
    const nodesHit: number[] = [];
    const wTree: number[] = [];
    const wNode: number[] = [];
    const wClass: number[] = [];
    const wValue: number[] = [];
    model.trees.forEach((t, ti) => {
      for (let j = 0; j < t.feature.length; j++) {
        const leaf = (t.left[j] as number) === -1;
        nodesTree.push(ti);
        nodesId.push(j);
        nodesFeature.push(leaf ? 0 : (t.feature[j] as number));
        nodesValue.push(leaf ? 0 : (t.threshold[j] as number));
        nodesMode.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
        nodesTrue.push(leaf ? 0 : (t.left[j] as number));
        nodesFalse.push(leaf ? 0 : (t.right[j] as number));
        nodesMissing.push(0);
        nodesHit.push(1);
        if (leaf) {
          wTree.push(ti);
          wNode.push(j);
          wClass.push(0);
          wValue.push(t.value[j] as number);
        }
      }
    });
    node = {
      opType: 'TreeEnsembleClassifier',
      domain: 'ai.onnx.ml',
      name: 'churn',
      input: ['features'],
      output: ['label', 'probabilities'],
      attribute: [
        floats('base_values', [model.base]),
        ints('classlabels_int64s', [0, 1]),
        ints('nodes_treeids', nodesTree),
        ints('nodes_nodeids', nodesId),
        ints('nodes_featureids', nodesFeature),
        floats('nodes_values', nodesValue),
        strings('nodes_modes', nodesMode),
        ints('nodes_truenodeids', nodesTrue),
        ints('nodes_falsenodeids', nodesFalse),
        ints('nodes_missing_value_tracks_true', nodesMissing),
        floats('nodes_hitrates', nodesHit),
        ints('class_treeids', wTree),
        ints('class_nodeids', wNode),
        ints('class_ids', wClass),
        floats('class_weights', wValue),
        str('post_transform', 'LOGISTIC'),
      ],
    };
  }
  const m = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'gymedge-ml',
    producerVersion: '0.1.0',
    opsetImport: [
      { domain: '', version: 15 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    metadataProps: Object.entries(meta).map(([key, value]) => ({
      key,
      value: typeof value === 'string' ? value : JSON.stringify(value),
    })),
    graph: {
      name: 'gymedge_churn',
      node: [node],
      input: [{ name: 'features', type: tensorType(onnx.TensorProto.DataType.FLOAT, ['N', p]) }],
      output: [
        { name: 'label', type: tensorType(onnx.TensorProto.DataType.INT64, ['N']) },
        { name: 'probabilities', type: tensorType(onnx.TensorProto.DataType.FLOAT, ['N', 2]) },
      ],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}
