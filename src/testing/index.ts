/**
 * amsunet-ts/testing: the conv property kit. fast-check arbitraries for conv2d geometry and the properties every
 * convolution must have, as functions of any implementation with conv2d's signature (forward and, where given,
 * its gradients). fast-check is an optional peer dependency of this entry only; the core never imports it.
 */
export { type ConvCase, type ConvCaseConstraints, type ChannelKind, convCase, convInputs, paddingSides } from './conv-arbitraries.js';
export {
  type Conv2dLike,
  type Conv2dGradients,
  type ConvUnderTest,
  type ConvPropertyName,
  type VerifyConv2dOptions,
  CONV_PROPERTIES,
  convProperty,
  verifyConv2d,
} from './conv-properties.js';
